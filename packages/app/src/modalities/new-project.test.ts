import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newProjectInput } from './new-project.ts';
import type { NewProjectForm } from './new-project.ts';

const blank: NewProjectForm = {
  name: 'P', modality: 'image', task: 'classify', labels: 'a, b', featureNames: '',
  motionRateHz: '', motionWindowSeconds: '', motionStrideSeconds: '', audioClipSeconds: '', textSeqLength: '', falseAlarmPercent: '',
};

test('an image project sends only name, labels, modality and task', () => {
  assert.deepEqual(newProjectInput(blank), { name: 'P', labels: ['a', 'b'], modality: 'image', task: 'classify' });
});

test('a motion anomaly project gets the normal label, its motion settings and the false-alarm rate as a share', () => {
  const input = newProjectInput({ ...blank, modality: 'motion', task: 'anomaly', labels: 'fault', motionRateHz: '100', motionWindowSeconds: '1.5', falseAlarmPercent: '2' });
  assert.deepEqual(input, {
    name: 'P', labels: ['normal', 'fault'], modality: 'motion', task: 'anomaly',
    settings: { motion: { rateHz: 100, windowSeconds: 1.5 }, falseAlarmRate: 0.02 },
  });
});

test('tabular projects need feature names; anomaly is only for motion and tabular; bad numbers are named', () => {
  assert.throws(() => newProjectInput({ ...blank, modality: 'tabular' }), /Name the numeric columns/);
  assert.deepEqual(newProjectInput({ ...blank, modality: 'tabular', featureNames: 'temp, rpm' }).featureNames, ['temp', 'rpm']);
  assert.throws(() => newProjectInput({ ...blank, modality: 'tabular', featureNames: 'temp, label' }), /cannot also be a feature/);
  assert.equal(newProjectInput({ ...blank, modality: 'audio', task: 'anomaly' }).task, 'classify');
  assert.throws(() => newProjectInput({ ...blank, modality: 'motion', motionStrideSeconds: 'fast' }), /The stride must be a positive number, not “fast”/);
  assert.throws(() => newProjectInput({ ...blank, labels: 'a' }), /at least 2 different labels/);
  assert.throws(() => newProjectInput({ ...blank, modality: 'text', textSeqLength: '3.5' }), /whole number/);
});

test('privacy mode: "Keep samples on this phone" sends samplesStayOnDevice, and only when ticked', () => {
  assert.equal(newProjectInput({ ...blank, samplesStayOnDevice: true }).samplesStayOnDevice, true);
  assert.equal('samplesStayOnDevice' in newProjectInput({ ...blank, samplesStayOnDevice: false }), false);
});
