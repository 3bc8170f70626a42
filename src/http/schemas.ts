/** JSON Schema of an RFC 9457 problem body, for route `response` declarations. */
export const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string' }, message: { type: 'string' }, path: { type: 'string' },
          line: { type: 'integer' }, column: { type: 'integer' }, rule: { type: 'string' },
        },
      },
    },
  },
  required: ['type', 'title', 'status', 'code'],
} as const;
