/**
 * The web UI of notification settings: the login, the settings pages, the inbox and the admin view,
 * server-rendered HTML with forms (no scripts), under one CSP that allows only this server.
 */
import type { FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { registerSettingsPages, type SettingsPagesOptions } from './routes.js';
import { registerLoginRoutes, type LoginRouteOptions } from './login-routes.js';
import { STYLESHEET } from './style.js';

export type WebOptions = SettingsPagesOptions & Omit<LoginRouteOptions, 'store' | 'guard' | 'devLogin'>;

export function registerWeb(app: FastifyInstance, options: WebOptions): void {
  void app.register(async (scope) => {
    await scope.register(formbody, { bodyLimit: 64 * 1024 });
    scope.get('/static/tidings.css', async (_request, reply) =>
      reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
    );
    registerLoginRoutes(scope, { ...options, store: options.settings.store });
    registerSettingsPages(scope, options);
  });
}

export { PAGE_CSP } from './routes.js';
export { safeNext } from './forms.js';
export { escapeHtml, html } from './html.js';
export { draftFromForm, draftFromLink, draftFromRule, inputOfDraft, splitList } from './rule-draft.js';
