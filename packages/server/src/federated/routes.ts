import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';
import { keyReaches } from '../auth/require-key.ts';
import { OffgridError } from '../errors.ts';
import { idParam, modelSchema, projectSchema } from '../schemas.ts';
import type { ApiKeyRecord } from '../auth/keys.ts';
import type { Round, RoundSettings } from './round-store.ts';
import { candidateSchema, evaluationBodySchema, MAX_UPDATE_BODY_BYTES, openRoundBodySchema, roundSchema, updateBodySchema } from './schemas.ts';

const roundParams = { type: 'object', required: ['roundId'], properties: { roundId: idParam } } as const;
const projectParams = { type: 'object', required: ['projectId'], properties: { projectId: idParam } } as const;

/** Federated rounds and privacy mode (docs/federated.md). Every route is project-scoped: a phone reaches its projects' rounds only. */
export async function federatedRoutes(untyped: FastifyInstance, { projects, federated }: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  /** A round as the requesting key sees it: with its own standing (`you`) when it joined. */
  const seenBy = (key: ApiKeyRecord | undefined) => (round: Round): Round => {
    const mine = key && federated.store.participant(round.id, key.id);
    return mine ? { ...round, you: { status: mine.status, rated: mine.evaluation !== undefined } } : round;
  };
  app.get('/projects/:projectId/federated/rounds', {
    config: { access: 'device' },
    schema: {
      operationId: 'listRounds', summary: "A project's federated rounds, newest first", tags: ['federated'], params: projectParams,
      response: { 200: { type: 'object', required: ['rounds'], properties: { rounds: { type: 'array', items: roundSchema } } } },
    },
  }, async (request) => ({ rounds: federated.store.list(projects.get(request.params.projectId).id).map(seenBy(request.apiKey)) }));

  app.post('/projects/:projectId/federated/rounds', {
    config: { access: 'device' },
    schema: {
      operationId: 'openRound', summary: 'Open a federated round on a model version', tags: ['federated'], params: projectParams,
      description: 'Phones join, train the head on their own samples and send only its change; the server averages the changes and registers a new version if phones rate it better than the base (docs/federated.md).',
      body: openRoundBodySchema, response: { 201: roundSchema },
    },
  }, async (request, reply) => {
    const { baseModelId, deadlineSeconds = 600, ...given } = request.body ?? {};
    const settings: RoundSettings = {
      minParticipants: 2, maxParticipants: 10, epochs: 5, learningRate: 0.05, batchSize: 16, clipNorm: 5, noiseMultiplier: 0, evaluationSeconds: 120, ...given,
    };
    return reply.code(201).send(seenBy(request.apiKey)(await federated.rounds.open(projects.get(request.params.projectId), settings, deadlineSeconds, baseModelId)));
  });

  app.get('/federated/rounds/:roundId', {
    config: { access: 'device' },
    schema: { operationId: 'getRound', summary: 'One round: its settings, who joined, counts, norms and the decision', tags: ['federated'], params: roundParams, response: { 200: roundSchema } },
  }, async (request) => seenBy(request.apiKey)(federated.store.get(request.params.roundId)));

  app.post('/federated/rounds/:roundId/join', {
    config: { access: 'device' },
    schema: {
      operationId: 'joinRound', summary: 'Join an open round (then download the base version\'s head and trunk, train, and send the update)', tags: ['federated'], params: roundParams,
      response: { 200: roundSchema },
    },
  }, async (request) => seenBy(request.apiKey)(await federated.rounds.join(request.params.roundId, request.apiKey!)));

  app.post('/federated/rounds/:roundId/update', {
    config: { access: 'device' },
    bodyLimit: MAX_UPDATE_BODY_BYTES,
    schema: {
      operationId: 'sendRoundUpdate', summary: "Send this phone's head update (the change to the base head, and its sample count)", tags: ['federated'], params: roundParams,
      description: 'Refused and recorded: an update of another base version (409, stale), one longer than the head (413), one holding NaN or infinity (400). An update whose norm exceeds the round\'s clipNorm is scaled down, not refused.',
      body: updateBodySchema, response: { 200: roundSchema },
    },
  }, async (request) => seenBy(request.apiKey)(await federated.rounds.submit(request.params.roundId, request.apiKey!, request.body)));

  app.get('/federated/rounds/:roundId/candidate', {
    config: { access: 'device' },
    schema: { operationId: 'getRoundCandidate', summary: 'The averaged head, while the round is evaluating', tags: ['federated'], params: roundParams, response: { 200: candidateSchema } },
  }, async (request) => federated.rounds.candidate(request.params.roundId));

  app.post('/federated/rounds/:roundId/evaluation', {
    config: { access: 'device' },
    schema: {
      operationId: 'sendRoundEvaluation', summary: "This phone's rating of the averaged head and of the base head, on samples it did not train on", tags: ['federated'], params: roundParams,
      body: evaluationBodySchema, response: { 200: roundSchema },
    },
  }, async (request) => seenBy(request.apiKey)(await federated.rounds.evaluate(request.params.roundId, request.apiKey!, request.body)));

  app.post('/federated/rounds/:roundId/close', {
    config: { access: 'device' },
    schema: { operationId: 'closeRound', summary: 'Close a round now: average what arrived (if enough phones sent updates), or decide on the ratings so far', tags: ['federated'], params: roundParams, response: { 200: roundSchema } },
  }, async (request) => seenBy(request.apiKey)(await federated.rounds.close(request.params.roundId)));

}

/** A privacy-mode project's two needs: a model trained elsewhere to start from, and the promise itself (admin). */
export async function privacyRoutes(untyped: FastifyInstance, { projects, models }: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  app.post('/projects/:projectId/models/copy', {
    config: { access: 'device' },
    schema: {
      operationId: 'copyModel', summary: "Copy a version of another project into this one (same labels): a privacy-mode project's starting point", tags: ['federated'], params: projectParams,
      description: 'The copy shares the files (no bytes are duplicated) and becomes the active model unless one is pinned. The key must reach both projects.',
      body: { type: 'object', required: ['fromModelId'], additionalProperties: false, properties: { fromModelId: idParam } },
      response: { 201: modelSchema },
    },
  }, async (request, reply) => {
    const project = projects.get(request.params.projectId);
    const source = models.get(request.body.fromModelId);
    if (!keyReaches(request.apiKey, source.projectId)) throw new OffgridError('FORBIDDEN', 'This key does not reach the project that model belongs to; ask an admin to grant it, or copy a model you can see.');
    return reply.code(201).send(models.copy(source.id, project.id));
  });

  app.post('/projects/:projectId/privacy', {
    config: { access: 'admin' },
    schema: {
      operationId: 'setPrivacy', summary: 'Turn privacy mode on or off (admin)', tags: ['federated'], params: projectParams,
      description: 'On: the server refuses every sample of the project and phones never send any; it is refused while the server still holds samples of the project (purge them first). Off lets phones upload again.',
      body: { type: 'object', required: ['samplesStayOnDevice'], additionalProperties: false, properties: { samplesStayOnDevice: { type: 'boolean' } } },
      response: { 200: projectSchema },
    },
  }, async (request) => {
    const project = projects.get(request.params.projectId);
    if (project.samplesStayOnDevice === request.body.samplesStayOnDevice) return project;
    if (!request.body.samplesStayOnDevice && project.samplesStayOnDevice) request.log.warn({ projectId: project.id }, 'privacy mode turned off');
    return projects.setSamplesStayOnDevice(project.id, request.body.samplesStayOnDevice);
  });
}
