import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { idParam, projectSchema } from '../schemas.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';
import { ProjectEdits } from './project-edits.ts';

const params = { type: 'object', required: ['projectId'], properties: { projectId: idParam } } as const;
const label = { type: 'string', minLength: 1, maxLength: 200 } as const; // checked in words by parseLabel

/** Changing a project's labels, and deleting a project with its data. */
export async function projectEditRoutes(untyped: FastifyInstance, context: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  const edits = new ProjectEdits(context);
  const { projects } = context;

  app.post('/projects/:projectId/labels', {
    config: { access: 'device' },
    schema: {
      operationId: 'addLabel', summary: 'Add a label', tags: ['projects'], params,
      body: { type: 'object', required: ['label'], additionalProperties: false, properties: { label } },
      response: { 200: projectSchema },
    },
  }, async (request) => edits.addLabel(projects.get(request.params.projectId), request.body.label));

  app.post('/projects/:projectId/labels/rename', {
    config: { access: 'device' },
    schema: {
      operationId: 'renameLabel', summary: 'Rename a label; its samples follow', tags: ['projects'], params,
      description: 'Stored training snapshots and model versions keep the name they were made with. 409 when the new name is taken.',
      body: { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: label, to: label } },
      response: { 200: projectSchema },
    },
  }, async (request) => edits.renameLabel(projects.get(request.params.projectId), request.body.from, request.body.to));

  app.post('/projects/:projectId/labels/remove', {
    config: { access: 'device' },
    schema: {
      operationId: 'removeLabel', summary: "Remove a label: its samples are deleted or moved to another label (say which)", tags: ['projects'], params,
      description: 'samples "delete": they leave lists, counts and future snapshots (their bytes stay until purged); samples "move" with to: they join that label.',
      body: {
        type: 'object', required: ['label', 'samples'], additionalProperties: false,
        properties: { label, samples: { type: 'string', enum: ['delete', 'move'] }, to: label },
      },
      response: { 200: projectSchema },
    },
  }, async (request) => edits.removeLabel(projects.get(request.params.projectId), request.body.label, request.body.samples, request.body.to));

  app.delete('/projects/:projectId', {
    config: { access: 'device' },
    schema: {
      operationId: 'deleteProject', summary: 'Delete a project with all its samples, training jobs and model versions', tags: ['projects'], params,
      description: 'A running training job of the project is cancelled first. Files no other project uses are deleted. Cannot be undone; export the project first to keep a copy.',
      response: { 204: { type: 'null' } },
    },
  }, async (request, reply) => {
    await edits.deleteProject(projects.get(request.params.projectId));
    return reply.code(204).send(null); // the 204 schema says null; Fastify sends no body for a 204 either way
  });
}
