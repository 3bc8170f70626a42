/**
 * HTTP: the Fastify app (`buildApp`, never listens) and the server that listens.
 * @module http
 */
export { buildApp, type AppDependencies } from './app.ts';
export { startServer, ListenError, type RunningServer } from './server.ts';
