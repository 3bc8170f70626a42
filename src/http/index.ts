/**
 * HTTP: the Fastify app (`buildApp`, never listens) and the server that listens.
 * @module http
 */
export { buildApp, ACCEPTED_MEDIA_TYPES, type AppDependencies, type RouteListEntry } from './app.ts';
export { access, declareScopeAccess, describeAccess, validRouteAccess, ACCESS_KINDS, type RouteAccess, type SignedAccessOptions } from './access.ts';
export { startServer, ListenError, type RunningServer } from './server.ts';
