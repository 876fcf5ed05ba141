import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestServer, type TestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
async function json(response: Response): Promise<{ status: number; body: any }> {
  return { status: response.status, body: await response.json() };
}

const createBody = (body: unknown) => t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function createProject(fields: Record<string, unknown>): Promise<{ id: string; labels: string[] }> {
  const { status, body } = await json(await createBody({ name: 'labels', ...fields }));
  assert.equal(status, 201, JSON.stringify(body));
  return body;
}

const uploadImage = async (projectId: string, label: string, seed: number) =>
  t.api(`/projects/${projectId}/samples?label=${encodeURIComponent(label)}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([seed * 30 % 255, 80, 160], seed) });

/** A multipart body written by hand: FormData would percent-encode the control characters a hostile client sends raw. */
function rawMultipart(parts: { name: string; filename: string; bytes: Uint8Array }[]): { body: Buffer; contentType: string } {
  const chunks = parts.flatMap(({ name, filename, bytes }) => [
    Buffer.from(`--b0undary\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/jpeg\r\n\r\n`), Buffer.from(bytes), Buffer.from('\r\n'),
  ]);
  return { body: Buffer.concat([...chunks, Buffer.from('--b0undary--\r\n')]), contentType: 'multipart/form-data; boundary=b0undary' };
}

const control = (subject: string, shown: string, codePoint: string, noun = 'label') =>
  `${subject} (${shown}) contains a control character (U+${codePoint}); a ${noun} is one line of text: remove line breaks, tabs and other control characters.`;
const invalid = (message: string) => ({ error: { code: 'OFFGRID_ERR_VALIDATION', message } });

async function snapshot(projectId: string) {
  return {
    projects: (await json(await t.api('/projects'))).body.projects.length,
    project: (await json(await t.api(`/projects/${projectId}`))).body,
    samples: (await json(await t.api(`/projects/${projectId}/samples`))).body.samples,
  };
}

describe('a label is one line of text, a JSON string', () => {
  test('control characters, numbers and other non-strings are refused at every door, and nothing stored is lost', async () => {
    const project = await createProject({ labels: ['cat', 'dog'] });
    assert.equal((await uploadImage(project.id, 'cat', 1)).status, 201);
    const before = await snapshot(project.id);
    const cases: [string, () => Promise<Response>, number, unknown][] = [
      ['newline', () => createBody({ name: 'x', labels: ['ok', 'bad\nlabel'] }), 400, invalid(control('labels[1]', '"bad\\nlabel"', '000A'))],
      ['NUL', () => createBody({ name: 'x', labels: ['a\u0000b', 'c'] }), 400, invalid(control('labels[0]', '"a\\u0000b"', '0000'))],
      ['tab', () => createBody({ name: 'x', labels: ['a', '\tb'] }), 400, invalid(control('labels[1]', '"\\tb"', '0009'))],
      ['DEL', () => createBody({ name: 'x', labels: ['a\u007f', 'b'] }), 400, invalid(control('labels[0]', '"a\\u007f"', '007F'))],
      ['C1 next line', () => createBody({ name: 'x', labels: ['a', 'b\u0085'] }), 400, invalid(control('labels[1]', '"b\\u0085"', '0085'))],
      ['line separator', () => createBody({ name: 'x', labels: ['a\u2028b', 'c'] }), 400, invalid(control('labels[0]', '"a\\u2028b"', '2028'))],
      ['numbers', () => createBody({ name: 'x', labels: [1, 2] }), 400, invalid('labels[0] is the number 1; a label must be a JSON string: send "1".')],
      ['a boolean', () => createBody({ name: 'x', labels: ['a', true] }), 400, invalid('labels[1] is true; a label must be a JSON string.')],
      ['null', () => createBody({ name: 'x', labels: ['a', null] }), 400, invalid('labels[1] is null; a label must be a JSON string.')],
      ['a string for the list', () => createBody({ name: 'x', labels: 'normal', modality: 'motion', task: 'anomaly' }), 400, invalid('labels must be a JSON array of strings, like ["cat", "dog"].')],
      ['blank', () => createBody({ name: 'x', labels: ['a', '   '] }), 400, invalid('labels[1] is empty; a label needs at least one character that is not a space.')],
      ['too long', () => createBody({ name: 'x', labels: ['a', 'b'.repeat(65)] }), 400, invalid(`labels[1] ("${'b'.repeat(65)}") has 65 characters; a label has at most 64: shorten it.`)],
      ['feature name with a newline', () => createBody({ name: 'x', labels: ['a', 'b'], modality: 'tabular', featureNames: ['temp\n'] }), 400,
        invalid(control('featureNames[0]', '"temp\\n"', '000A', 'feature name'))],
      ['?label= with a newline', () => uploadImage(project.id, 'cat\n', 2), 400, invalid(control('The label', '"cat\\n"', '000A'))],
      ['?label= with NUL', () => uploadImage(project.id, 'c\u0000at', 3), 400, invalid(control('The label', '"c\\u0000at"', '0000'))],
      ['listing by a label with a newline', () => t.api(`/projects/${project.id}/samples?label=cat%0A`), 400, invalid(control('The label', '"cat\\n"', '000A'))],
    ];
    for (const [name, request, status, body] of cases) assert.deepEqual(await json(await request()), { status, body }, name);
    assert.deepEqual(await snapshot(project.id), before);
  });

  test('in a multipart dataset a field name with a control character refuses that file only', async () => {
    const project = await createProject({ labels: ['cat', 'dog'] });
    const { body, contentType } = rawMultipart([
      { name: 'ca\tt', filename: 'tab.jpg', bytes: await jpegOf([10, 10, 10], 10) },
      { name: 'dog', filename: 'good.jpg', bytes: await jpegOf([90, 10, 10], 11) },
      { name: 'do\u0001g', filename: 'soh.jpg', bytes: await jpegOf([10, 90, 10], 12) },
    ]);
    const { status, body: answer } = await json(await t.api(`/projects/${project.id}/samples`, { method: 'POST', headers: { 'content-type': contentType }, body }));
    assert.equal(status, 200);
    assert.deepEqual(answer.results.map((r: { ok: boolean }) => (r.ok ? { ok: true } : r)), [
      { ok: false, filename: 'tab.jpg', label: 'ca\tt', error: { code: 'OFFGRID_ERR_VALIDATION', message: control('The field name', '"ca\\tt"', '0009') } },
      { ok: true },
      { ok: false, filename: 'soh.jpg', label: 'do\u0001g', error: { code: 'OFFGRID_ERR_VALIDATION', message: control('The field name', '"do\\u0001g"', '0001') } },
    ]);
    assert.deepEqual((await json(await t.api(`/projects/${project.id}`))).body.sampleCounts, { cat: 0, dog: 1 });
  });

  test('a CSV label cell with a control character refuses that row only', async () => {
    const project = await createProject({ labels: ['ok', 'worn'], modality: 'tabular', featureNames: ['temp'] });
    const csv = 'temp,label\n1,ok\n2,"wo\u0007rn"\n3,worn\n';
    const { status, body } = await json(await t.api(`/projects/${project.id}/samples`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv }));
    assert.equal(status, 200);
    assert.deepEqual(body.results.map((r: { ok: boolean; line: number; label: string }) => (r.ok ? [r.line, r.label] : r)), [
      [2, 'ok'],
      { ok: false, line: 3, label: 'wo\u0007rn', error: { code: 'OFFGRID_ERR_VALIDATION', message: control('The label', '"wo\\u0007rn"', '0007') } },
      [4, 'worn'],
    ]);
  });
});

describe('labels that differ only by Unicode normalization are one label', () => {
  const nfc = 'caf\u00e9';
  const nfd = 'cafe\u0301';

  test('a project keeps its labels in NFC, and uploads, datasets and listings match either form', async () => {
    const project = await createProject({ labels: [nfd, 'the\u0301'] });
    assert.deepEqual(project.labels, [nfc, 'th\u00e9']);
    const asNfc = await json(await uploadImage(project.id, nfc, 20));
    const asNfd = await json(await uploadImage(project.id, nfd, 21));
    assert.deepEqual([asNfc.status, asNfc.body.sample.label, asNfd.status, asNfd.body.sample.label], [201, nfc, 201, nfc]);
    const form = new FormData();
    form.append(nfd, new Blob([await jpegOf([200, 0, 0], 22)], { type: 'image/jpeg' }), 'c.jpg');
    const dataset = await json(await t.api(`/projects/${project.id}/samples`, { method: 'POST', body: form }));
    assert.deepEqual(dataset.body.results.map((r: { ok: boolean; label: string; sample: { label: string } }) => [r.ok, r.label, r.sample.label]), [[true, nfc, nfc]]);
    const listed = (await json(await t.api(`/projects/${project.id}/samples?label=${encodeURIComponent(nfd)}`))).body.samples;
    assert.deepEqual(listed.map((s: { label: string }) => s.label), [nfc, nfc, nfc]);
    assert.deepEqual((await json(await t.api(`/projects/${project.id}`))).body.sampleCounts, { [nfc]: 3, ['th\u00e9']: 0 });
  });

  test('two spellings of one label in a new project are a duplicate', async () => {
    assert.deepEqual(await json(await createBody({ name: 'x', labels: [nfc, nfd] })), {
      status: 400, body: invalid(`Labels must be unique; "${nfc}" is given twice (two Unicode encodings of the same text count as one label).`),
    });
    assert.deepEqual(await json(await createBody({ name: 'x', labels: ['a', 'b', 'a'] })), { status: 400, body: invalid('Labels must be unique; "a" is given twice.') });
  });

  test('a CSV row labelled in NFD lands on the NFC label; feature names match either form', async () => {
    const project = await createProject({ labels: [nfc, 'x'], modality: 'tabular', featureNames: ['d\u00e9bit'] });
    const csv = `de\u0301bit,label\n1,${nfd}\n2,${nfc}\n`;
    const { status, body } = await json(await t.api(`/projects/${project.id}/samples`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv }));
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.results.map((r: { ok: boolean; label: string; sample: { label: string } }) => [r.ok, r.label, r.sample.label]), [[true, nfc, nfc], [true, nfc, nfc]]);
  });

  test('a project stored before normalization keeps its labels, and uploads in either form reach them', async () => {
    const id = randomUUID();
    const db = new Database(join(t.dataDir, 'offgrid.db'));
    try {
      db.prepare(`INSERT INTO projects (id, name, labels, modality, task, settings, created_at) VALUES (?, 'old', ?, 'image', 'classify', '{}', ?)`)
        .run(id, JSON.stringify([nfd, 'tea']), new Date().toISOString());
    } finally {
      db.close();
    }
    const viaNfc = await json(await uploadImage(id, nfc, 30));
    const viaNfd = await json(await uploadImage(id, nfd, 31));
    assert.deepEqual([viaNfc.status, viaNfc.body.sample.label, viaNfd.status, viaNfd.body.sample.label], [201, nfd, 201, nfd]);
    assert.deepEqual((await json(await t.api(`/projects/${id}`))).body.sampleCounts, { [nfd]: 2, tea: 0 });
    assert.equal((await json(await t.api(`/projects/${id}/samples?label=${encodeURIComponent(nfc)}`))).body.samples.length, 2);
  });
});
