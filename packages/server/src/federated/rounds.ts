/**
 * Federated rounds (FedAvg over classifier heads; docs/federated.md). A round is opened on a base version; phones
 * join, train the head on their own samples and send only the change to it (the delta) with their sample count; the
 * server checks each update, clips it, averages them (weighted by samples, or uniformly with Gaussian noise for
 * client-level differential privacy), and asks the phones to rate the average on samples they did not train on. A
 * new version is registered only when the average beats the base head: on the server's held-out set where the base
 * version has one of at least MIN_SERVER_HOLDOUT samples (both int8 files through LiteRT.js), else on the phones'
 * pooled ratings.
 *
 * open ──(max participants sent, deadline, or close)──▶ evaluating ──(all rated, or evaluation deadline)──▶ closed
 *      └─(fewer than min participants)──────────────────────────────────────────────────────────────────▶ closed
 */
import { checkUpdate, decodeFloats, encodeHead, decodeHead, federatedAverage, gaussianEpsilon, type Head } from '@offgrid/federated';
import type { ApiKeyRecord } from '../auth/keys.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { OffgridError } from '../errors.ts';
import type { ModelStore, ModelVersion, ModelArtifact } from '../models/model-store.ts';
import type { Project } from '../projects/project-store.ts';
import { filesWithHead, headParts, parseHead, testOnHoldout } from './model-parts.ts';
import type { TestEvaluation } from '@offgrid/pipeline';
import type { Round, RoundOutcome, RoundSettings, RoundStore } from './round-store.ts';
import type { EvaluationBody, UpdateBody } from './schemas.ts';

export type { EvaluationBody, UpdateBody } from './schemas.ts';

/** The δ of the reported (ε, δ): far below 1/(number of phones) for any deployment this serves. */
export const PRIVACY_DELTA = 1e-5;
/** The fewest held-out samples on the server that decide a round by themselves (below, the phones' ratings do). */
export const MIN_SERVER_HOLDOUT = 30;
/** Longest a timer may wait in Node (setTimeout's 32-bit limit); longer deadlines re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface FederatedDeps {
  rounds: RoundStore;
  models: ModelStore;
  blobs: BlobStore;
  log?: (message: string) => void;
}

export class FederatedRounds {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** One transition at a time per round: a deadline and the last update may arrive together. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: FederatedDeps) {}

  /** Re-arms the deadlines of rounds a previous run left open; past ones close now. */
  start(): void {
    for (const round of this.deps.rounds.unfinished()) this.schedule(round);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  async open(project: Project, settings: RoundSettings, deadlineSeconds: number, baseModelId = project.activeModelId): Promise<Round> {
    if (project.task !== 'classify') throw new OffgridError('VALIDATION', 'Federated rounds train a classifier\'s head; this is an anomaly project. Use a classification project.');
    if (!baseModelId) throw new OffgridError('CONFLICT', 'The project has no model yet: train one (POST /api/v1/projects/<projectId>/train) or copy one in, then open a round on it.');
    const base = this.deps.models.get(baseModelId);
    if (base.projectId !== project.id) throw new OffgridError('VALIDATION', `Model ${baseModelId} belongs to another project; a round starts from one of this project's versions.`);
    if (settings.minParticipants > settings.maxParticipants) throw new OffgridError('VALIDATION', `minParticipants (${settings.minParticipants}) is larger than maxParticipants (${settings.maxParticipants}).`);
    await this.ensureHeadFiles(base);
    const round = this.deps.rounds.open(project.id, base.id, settings, new Date(Date.now() + deadlineSeconds * 1000));
    this.log(round, `opened on v${base.version}: ${settings.minParticipants}–${settings.maxParticipants} phones until ${round.deadline}`);
    this.schedule(round);
    return round;
  }

  join(roundId: string, key: ApiKeyRecord): Round {
    const round = this.deps.rounds.get(roundId);
    if (!this.deps.rounds.participant(roundId, key.id)) {
      this.requireOpen(round);
      if (this.deps.rounds.count(roundId) >= round.settings.maxParticipants) {
        throw new OffgridError('CONFLICT', `Round ${round.number} is full (${round.settings.maxParticipants} phones). Wait for the next round.`);
      }
      this.deps.rounds.join(roundId, key.id, key.name);
    }
    return this.deps.rounds.get(roundId);
  }

  /** Checks and records one phone's update; a refused update is recorded too (the round's record says why). */
  async submit(roundId: string, key: ApiKeyRecord, body: UpdateBody): Promise<Round> {
    const round = this.deps.rounds.get(roundId);
    const participant = this.deps.rounds.participant(roundId, key.id);
    if (!participant) throw new OffgridError('CONFLICT', `Join the round first (POST /api/v1/federated/rounds/${roundId}/join), then send the update.`);
    if (participant.status !== 'joined') throw new OffgridError('CONFLICT', `This phone already sent its update for round ${round.number} (${participant.status}); one update per phone per round.`);
    this.requireOpen(round);
    const refuse = (kind: 'CONFLICT' | 'VALIDATION' | 'TOO_LARGE', reason: string, message: string, norm?: number): never => {
      this.deps.rounds.reject(roundId, key.id, reason, { sampleCount: body.sampleCount, norm });
      this.log(round, `refused ${key.name}'s update: ${reason}`);
      throw new OffgridError(kind, message);
    };
    if (body.baseModelId !== round.baseModelId) {
      refuse('CONFLICT', 'stale', `The update was trained from model ${body.baseModelId}; round ${round.number} averages updates of model ${round.baseModelId}. Download that version's head and train again.`);
    }
    const head = await this.baseHead(round);
    const length = head.numClasses * head.inputSize + head.numClasses;
    // base64 of `length` float32 values: anything longer is not this head's update, and is not decoded.
    if (body.delta.length > 4 * Math.ceil((length * 4) / 3)) refuse('TOO_LARGE', 'oversized', `The update holds more than the head's ${length} values (${head.numClasses} labels × ${head.inputSize} + bias).`);
    let delta: Float32Array;
    try {
      delta = decodeFloats(body.delta);
    } catch {
      return refuse('VALIDATION', 'unreadable', 'The update\'s delta is not base64 float32 (use encodeFloats from @offgrid/federated).');
    }
    const check = checkUpdate(delta, length);
    if (!check.ok) refuse('VALIDATION', check.reason, `The update was refused: ${check.message}`);
    const norm = check.ok ? check.norm : 0;
    this.deps.rounds.submit(roundId, key.id, { sampleCount: body.sampleCount, norm, delta });
    this.log(round, `update from ${key.name}: ${body.sampleCount} samples, norm ${norm.toFixed(3)}`);
    if (this.deps.rounds.count(roundId, 'submitted') >= round.settings.maxParticipants) await this.endCollection(roundId, 'every phone sent its update');
    return this.deps.rounds.get(roundId);
  }

  /** The averaged head phones rate while the round is evaluating. */
  candidate(roundId: string): { round: number; baseModelId: string; head: ReturnType<typeof encodeHead> } {
    const round = this.deps.rounds.get(roundId);
    if (round.status !== 'evaluating') throw new OffgridError('CONFLICT', `Round ${round.number} is ${round.status}: the averaged head is rated only while the round is evaluating.`);
    const { head } = this.deps.rounds.candidate(roundId) as { head: ReturnType<typeof encodeHead> };
    return { round: round.number, baseModelId: round.baseModelId, head };
  }

  async evaluate(roundId: string, key: ApiKeyRecord, body: EvaluationBody): Promise<Round> {
    const round = this.deps.rounds.get(roundId);
    const participant = this.deps.rounds.participant(roundId, key.id);
    if (!participant || participant.status === 'rejected') throw new OffgridError('CONFLICT', 'Only phones whose update the round took rate the averaged head.');
    if (round.status !== 'evaluating') throw new OffgridError('CONFLICT', `Round ${round.number} is ${round.status}, not evaluating.`);
    if (body.correct > body.samples || body.baseCorrect > body.samples) throw new OffgridError('VALIDATION', 'correct and baseCorrect count samples: neither can exceed samples.');
    if (body.logitRange && !(body.logitRange.min <= body.logitRange.max)) throw new OffgridError('VALIDATION', 'logitRange.min is larger than logitRange.max.');
    this.deps.rounds.evaluate(roundId, key.id, body);
    const waiting = round.participants.filter((p) => p.status === 'submitted').length - this.deps.rounds.evaluations(roundId).length;
    if (waiting <= 0) await this.decide(roundId, 'every phone rated the averaged head');
    return this.deps.rounds.get(roundId);
  }

  /** Closes a round now: an open one averages what it has (if enough), an evaluating one decides on the ratings so far. */
  async close(roundId: string): Promise<Round> {
    const round = this.deps.rounds.get(roundId);
    if (round.status === 'open') await this.endCollection(roundId, 'closed on request');
    else if (round.status === 'evaluating') await this.decide(roundId, 'closed on request');
    return this.deps.rounds.get(roundId);
  }

  private requireOpen(round: Round): void {
    if (round.status !== 'open') throw new OffgridError('CONFLICT', `Round ${round.number} is ${round.status}: it takes no more phones or updates.`);
    if (Date.parse(round.deadline) <= Date.now()) throw new OffgridError('CONFLICT', `Round ${round.number} passed its deadline (${round.deadline}).`);
  }

  /** open → evaluating (the average waits for ratings), or → closed when too few phones sent updates. */
  private endCollection(roundId: string, why: string): Promise<void> {
    return this.serially(roundId, async () => {
      const round = this.deps.rounds.get(roundId);
      if (round.status !== 'open') return;
      const updates = this.deps.rounds.updates(roundId);
      const samples = updates.reduce((sum, u) => sum + u.sampleCount, 0);
      if (updates.length < round.settings.minParticipants) {
        this.finish(round, { decision: 'too-few-participants', reason: `${why}: ${updates.length} of the ${round.settings.minParticipants} phones needed sent an update; the base stays.`, participants: updates.length, samples });
        return;
      }
      const { clipNorm, noiseMultiplier } = round.settings;
      const average = federatedAverage(await this.baseHead(round), updates, { clipNorm, noiseMultiplier });
      const deadline = new Date(Date.now() + round.settings.evaluationSeconds * 1000);
      const clipped = average.clipped.filter(Boolean).length;
      this.deps.rounds.startEvaluation(roundId, { head: encodeHead(average.head), clipped, noiseStd: average.noiseStd }, deadline);
      this.log(round, `${why}: averaged ${updates.length} updates (${samples} samples, ${clipped} clipped, noise std ${average.noiseStd.toPrecision(3)}); phones rate it until ${deadline.toISOString()}`);
      this.schedule(this.deps.rounds.get(roundId));
    });
  }

  /**
   * evaluating → closed: registers the averaged head if it does better than the base: on the server's held-out set
   * (both int8 files through LiteRT.js) where the base version has one, else on the phones' pooled ratings.
   */
  private decide(roundId: string, why: string): Promise<void> {
    return this.serially(roundId, async () => {
      const round = this.deps.rounds.get(roundId);
      if (round.status !== 'evaluating') return;
      const stored = this.deps.rounds.candidate(roundId) as { head: ReturnType<typeof encodeHead>; clipped: number; noiseStd: number };
      const updates = round.participants.filter((p) => p.status === 'submitted');
      const privacy = round.settings.noiseMultiplier > 0 ? { privacy: this.privacySpent(round) } : {};
      const record = { participants: updates.length, samples: updates.reduce((sum, p) => sum + (p.sampleCount ?? 0), 0), clipped: stored.clipped, noiseStd: stored.noiseStd, ...privacy };
      const evaluations = this.deps.rounds.evaluations(roundId);
      const base = this.deps.models.get(round.baseModelId);
      const baseFiles = { float32: await this.artifactBytes(base, 'float32'), int8: await this.artifactBytes(base, 'int8') };
      const candidate = filesWithHead(baseFiles, decodeHead(stored.head), pooledLogitRange(evaluations));
      const verdict = await this.verdict(base, baseFiles, candidate, evaluations);
      if (!verdict) {
        this.finish(round, { decision: 'kept-base', reason: `${why}: the server holds no held-out data for v${base.version} and no phone rated the averaged head, so it is not shipped.`, ...record });
        return;
      }
      const rated = { ...record, candidateAccuracy: verdict.accuracy, baseAccuracy: verdict.baseAccuracy, evaluatedSamples: verdict.samples, evaluatedOn: verdict.on };
      const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
      const comparison = `the averaged head scored ${percent(verdict.accuracy)} against the base's ${percent(verdict.baseAccuracy)} on ${verdict.samples} held-out samples (${verdict.on === 'server' ? 'the server\'s, int8 files' : 'the phones\' own'})`;
      if (!(verdict.accuracy > verdict.baseAccuracy)) {
        this.finish(round, { decision: 'kept-base', reason: `${why}: ${comparison}; the base stays.`, ...rated });
        return;
      }
      const model = await this.register(round, base, candidate, verdict, record);
      this.finish(round, { decision: 'registered', reason: `${why}: ${comparison}: registered as v${model.version}.`, ...rated, modelId: model.id });
    });
  }

  private finish(round: Round, outcome: RoundOutcome): void {
    this.deps.rounds.close(round.id, outcome);
    clearTimeout(this.timers.get(round.id));
    this.timers.delete(round.id);
    this.log(round, `closed: ${outcome.reason}`);
  }

  /**
   * How the candidate compares with the base. The server's own held-out set (the base version's, int8 files through
   * LiteRT.js) decides when it has MIN_SERVER_HOLDOUT samples: it is data no phone can misreport. A smaller one (a
   * seed model trained on a handful of rows) cannot tell two heads apart, so the phones' pooled ratings decide then,
   * and the small set only when no phone rated.
   */
  private async verdict(base: ModelVersion, baseFiles: HeadFiles, candidate: HeadFiles, evaluations: EvaluationBody[]): Promise<Verdict | undefined> {
    const holdout = base.artifacts.find((a) => a.variant === 'holdout');
    const server = holdout && await (async (): Promise<Verdict> => {
      const bytes = await this.deps.blobs.get(holdout.sha256);
      const [before, after] = [await testOnHoldout(baseFiles, bytes, base.labels), await testOnHoldout(candidate, bytes, base.labels)];
      return { on: 'server', accuracy: after.int8.accuracy, baseAccuracy: before.int8.accuracy, samples: after.samples, test: after };
    })();
    const samples = evaluations.reduce((sum, e) => sum + e.samples, 0);
    const pooled = (key: 'correct' | 'baseCorrect') => evaluations.reduce((sum, e) => sum + e[key], 0) / samples;
    const phones: Verdict | undefined = samples > 0 ? { on: 'phones', accuracy: pooled('correct'), baseAccuracy: pooled('baseCorrect'), samples } : undefined;
    return decidingVerdict(server, phones);
  }

  /** The new version: the base's files with the averaged head, the base's trunks, probes and held-out set, metrics from the round. */
  private async register(round: Round, base: ModelVersion, files: HeadFiles, verdict: Verdict, record: { participants: number; samples: number }): Promise<ModelVersion> {
    const parts = headParts(files)!;
    const fresh = { float32: files.float32, int8: files.int8, head: parts.head };
    const kept = base.artifacts.filter((a) => ['probes', 'holdout', 'trunk-int8', 'trunk-float32'].includes(a.variant));
    const { jobId, datasetId } = this.deps.models.origin(base.id);
    const variants = Object.keys(fresh) as (keyof typeof fresh)[];
    const score = (report: { accuracy: number; macroF1: number }) => ({ accuracy: report.accuracy, macroF1: report.macroF1 });
    return this.deps.blobs.putAllThen(variants.map((v) => fresh[v]), (sha256s) => this.deps.models.register({
      projectId: round.projectId, jobId, datasetId, labels: base.labels, input: base.input,
      metrics: {
        epochs: round.settings.epochs,
        ...(verdict.test ? {
          test: { samples: verdict.samples, float32: score(verdict.test.float32), int8: score(verdict.test.int8) }, int8AgreementWithFloat32: verdict.test.agreement,
        } : { valAccuracy: verdict.accuracy, valSamples: verdict.samples }),
        sizes: { float32Bytes: files.float32.byteLength, int8Bytes: files.int8.byteLength, int8Ratio: files.float32.byteLength / files.int8.byteLength },
        ...(base.metrics.winner ? { winner: { ...base.metrics.winner, retrained: false } } : {}),
        federated: {
          roundId: round.id, round: round.number, baseModelId: base.id, participants: record.participants, samples: record.samples,
          baseAccuracy: verdict.baseAccuracy, accuracy: verdict.accuracy, evaluatedSamples: verdict.samples, evaluatedOn: verdict.on,
        },
      },
      artifacts: [...variants.map((variant, i): ModelArtifact => ({ variant, sha256: sha256s[i], sizeBytes: fresh[variant].byteLength })), ...kept],
    }));
  }

  /** Composes the project's noisy rounds, this one included (Rényi DP of the Gaussian mechanism: @offgrid/federated). */
  private privacySpent(round: Round): RoundOutcome['privacy'] {
    const multipliers = [...this.deps.rounds.noiseMultipliers(round.projectId), round.settings.noiseMultiplier];
    // Rényi orders add up: rounds with multipliers z₁…z_T compose like one round with 1/z² = Σ 1/zᵢ².
    const effective = 1 / Math.sqrt(multipliers.reduce((sum, z) => sum + 1 / (z * z), 0));
    return { epsilon: gaussianEpsilon({ noiseMultiplier: effective, rounds: 1, delta: PRIVACY_DELTA }).epsilon, delta: PRIVACY_DELTA, noisyRounds: multipliers.length };
  }

  /** Gives a version registered before head files existed its head and trunks (stored once, shared by sha256). */
  private async ensureHeadFiles(model: ModelVersion): Promise<void> {
    if (model.artifacts.some((a) => a.variant === 'head')) return;
    const [float32, int8] = await Promise.all([this.artifactBytes(model, 'float32'), this.artifactBytes(model, 'int8')]);
    const parts = headParts({ float32, int8 });
    if (!parts) throw new OffgridError('CONFLICT', `Model v${model.version} has no classifier head (a final dense layer before the softmax) to train on phones.`);
    const variants = Object.keys(parts) as (keyof typeof parts)[];
    await this.deps.blobs.putAllThen(variants.map((v) => parts[v]), (sha256s) =>
      this.deps.models.addArtifacts(model.id, variants.map((variant, i) => ({ variant, sha256: sha256s[i], sizeBytes: parts[variant].byteLength }))));
  }

  private async baseHead(round: Round): Promise<Head> {
    return parseHead(await this.artifactBytes(this.deps.models.get(round.baseModelId), 'head'));
  }

  private async artifactBytes(model: ModelVersion, variant: ModelArtifact['variant']): Promise<Uint8Array> {
    const artifact = model.artifacts.find((a) => a.variant === variant);
    if (!artifact) throw new OffgridError('CONFLICT', `Model v${model.version} has no ${variant} file.`);
    return this.deps.blobs.get(artifact.sha256);
  }

  private schedule(round: Round): void {
    clearTimeout(this.timers.get(round.id));
    const due = round.status === 'open' ? round.deadline : round.evaluationDeadline;
    if (round.status === 'closed' || !due) return;
    const wait = Math.max(0, Date.parse(due) - Date.now());
    const fire = () => {
      this.timers.delete(round.id);
      const current = this.deps.rounds.get(round.id);
      const step = current.status === 'open' ? this.endCollection(round.id, 'deadline reached') : this.decide(round.id, 'evaluation deadline reached');
      step.catch((error: unknown) => this.log(current, `could not close: ${error instanceof Error ? error.message : String(error)}`));
    };
    const timer = wait > MAX_TIMER_MS ? setTimeout(() => this.schedule(round), MAX_TIMER_MS) : setTimeout(fire, wait);
    timer.unref();
    this.timers.set(round.id, timer);
  }

  private serially(roundId: string, step: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(roundId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(step);
    this.queues.set(roundId, next);
    void next.finally(() => {
      if (this.queues.get(roundId) === next) this.queues.delete(roundId);
    }).catch(() => undefined);
    return next;
  }

  private log(round: Round, message: string): void {
    this.deps.log?.(`federated round ${round.number} (${round.id}): ${message}`);
  }
}

type HeadFiles = { float32: Uint8Array; int8: Uint8Array };

/** The server's held-out set when it is big enough to tell two heads apart; else the phones' ratings; else what there is. */
export function decidingVerdict(server: Verdict | undefined, phones: Verdict | undefined): Verdict | undefined {
  if (server && server.samples >= MIN_SERVER_HOLDOUT) return server;
  return phones ?? server;
}

/** The comparison a round's decision rests on. */
export interface Verdict {
  on: 'server' | 'phones';
  accuracy: number;
  baseAccuracy: number;
  samples: number;
  /** On the server's held-out set: the candidate's full test (becomes the new version's metrics.test). */
  test?: TestEvaluation;
}

/** The span of logits the phones saw with the averaged head (sets the int8 file's logit range). */
function pooledLogitRange(evaluations: EvaluationBody[]): { min: number; max: number } | undefined {
  const ranges = evaluations.flatMap((e) => (e.logitRange ? [e.logitRange] : []));
  return ranges.length > 0 ? { min: Math.min(...ranges.map((r) => r.min)), max: Math.max(...ranges.map((r) => r.max)) } : undefined;
}
