/**
 * The settings pages: plain HTML forms posting back to the server (no scripts: the pages' CSP allows
 * none), each change carrying the session's CSRF token, each success redirecting (303) to a page
 * that says what happened. The same NotifySettings serves them and the REST API, so both refuse,
 * confirm and send codes alike.
 *
 *   /settings                       rules and destinations; ?package=NAME (and repo, user, group,
 *                                   app, topic) goes to a new rule pre-filled with it
 *   /settings/rules/new, /:id       a rule's form; POST saves; /preview shows the last 7 days
 *   /settings/destinations/new, /:id, /:id/verify
 *   /inbox                          the web inbox
 *   /admin/rules                    administrators: everyone's rules
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RuleValidationError, type Destination, type NotifySettings, type Rule, type RuleIssue, type RulePreview } from '../notify/index.js';
import { errorReply } from '../gateway/settings/index.js';
import { CsrfError, NotLoggedInError, type Session, type SessionGuard } from '../gateway/session/index.js';
import type { PageContext } from './layout.js';
import { draftFromForm, draftFromLink, draftFromRule, inputOfDraft, LINK_KEYS, type RuleDraft } from './rule-draft.js';
import { destinationDraftOf, destinationInputOf, fieldOf, formOf, type Form } from './forms.js';
import {
  adminRulesPage, destinationFormPage, draftOfDestination, errorPage, inboxPage, newDestinationDraft, ruleFormPage, settingsPage, verifyPage, type DestinationDraft,
} from './pages/index.js';

export interface SettingsPagesOptions {
  readonly settings: NotifySettings;
  readonly guard: SessionGuard;
  /** The local development login admits people: every page says so. */
  readonly devLogin: boolean;
  /** A webhook destination's signing secret, shown to its owner. */
  readonly webhookSecretOf: (destinationId: string) => string;
}

/** What a redirect's `?done=` says on the page it lands on: fixed texts, never echoed input. */
const NOTICES: Record<string, string> = {
  'rule-saved': 'The rule is saved.',
  'rule-deleted': 'The rule is deleted.',
  'rule-on': 'The rule is on.',
  'rule-off': 'The rule is off.',
  'destination-added': 'The destination is added and its code is on the way.',
  'destination-added-unsent': 'The destination is added, but no code could be sent: notifications are off on this server.',
  'destination-saved': 'The destination is saved.',
  'destination-deleted': 'The destination is deleted.',
  'destination-on': 'The destination is on.',
  'destination-off': 'The destination is off: nothing is sent to it.',
  'destination-resumed': 'Deliveries to this destination resume.',
  'destination-confirmed': 'The destination is confirmed: rules can send to it now.',
  'code-sent': 'A new code is on the way.',
  'inbox-read': 'All marked read.',
  'admin-disabled': 'The rule is switched off; its owner sees why.',
  'admin-enabled': 'The rule is allowed again.',
};

const noticeOf = (request: FastifyRequest): string | undefined => {
  const done = (request.query as Record<string, unknown>)['done'];
  return typeof done === 'string' ? NOTICES[done] : undefined;
};

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const BODY_LIMIT = 64 * 1024;
const INBOX_PAGE_SIZE = 50;

/** Pages answer HTML; a page may load the one stylesheet and post forms here, nothing else. */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function sendPage(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).header('cache-control', 'no-store').send(body);
}

const goTo = (reply: FastifyReply, location: string): FastifyReply => reply.code(303).header('location', location).send();

export function registerSettingsPages(app: FastifyInstance, options: SettingsPagesOptions): void {
  const { settings, guard } = options;
  const store = settings.store;

  const contextOf = async (session: Session): Promise<PageContext> => {
    const user = await settings.me(session.user);
    return { user: session.user, isAdmin: user.isAdmin, csrf: session.csrf, devLogin: options.devLogin };
  };
  const visitor = async (request: FastifyRequest): Promise<{ session: Session; context: PageContext }> => {
    const session = await guard.require(request);
    return { session, context: await contextOf(session) };
  };
  /** A change's session: the form must carry its CSRF token. */
  const changer = async (request: FastifyRequest): Promise<{ session: Session; context: PageContext; form: Form }> => {
    const form = formOf(request.body);
    const session = await guard.requireForChange(request, fieldOf(form, '_csrf'));
    return { session, context: await contextOf(session), form };
  };

  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof NotLoggedInError) {
      // A page asked for while logged out comes back after the login; a form post cannot be replayed.
      return goTo(reply, `/login?next=${encodeURIComponent(request.method === 'GET' ? request.url : '/settings')}`);
    }
    const session = await guard.sessionOf(request).catch(() => undefined);
    const context: PageContext = session
      ? { user: session.user, isAdmin: false, csrf: session.csrf, devLogin: options.devLogin }
      : { user: null, isAdmin: false, csrf: '', devLogin: options.devLogin };
    const known = errorReply(error);
    if (known) {
      const title = error instanceof CsrfError ? 'This form expired' : known.status === 404 ? 'Not found' : known.status === 403 ? 'Not yours' : 'That did not work';
      return sendPage(reply, errorPage(context, title, (error as Error).message), known.status);
    }
    request.log.error({ err: error }, 'settings page failed');
    return sendPage(reply, errorPage(context, 'Something broke', 'The server failed to answer this page; the fault is logged. Try again in a moment.'), 500);
  });

  const route = { bodyLimit: BODY_LIMIT };

  // ---- overview ----
  app.get('/', async (_request, reply) => goTo(reply, '/settings'));
  app.get('/settings', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    // Apps link to /settings?package=kernel: that is a rule to make, pre-filled.
    if (LINK_KEYS.some((key) => typeof query[key] === 'string')) {
      const search = new URLSearchParams();
      for (const key of LINK_KEYS) if (typeof query[key] === 'string') search.set(key, query[key]);
      return goTo(reply, `/settings/rules/new?${search.toString()}`);
    }
    const { session, context } = await visitor(request);
    const [me, rules, destinations] = await Promise.all([settings.me(session.user), settings.rules(session.user), settings.destinations(session.user)]);
    return sendPage(reply, settingsPage(context, { me, rules, destinations, notice: noticeOf(request) }));
  });

  // ---- rules ----
  const ruleForm = async (
    reply: FastifyReply,
    context: PageContext,
    model: { ruleId: string | null; draft: RuleDraft; rule?: Rule; issues?: readonly RuleIssue[]; preview?: RulePreview; error?: string },
    status = 200,
  ): Promise<FastifyReply> => {
    const destinations = await settings.destinations(context.user!);
    return sendPage(
      reply,
      ruleFormPage(context, {
        ruleId: model.ruleId,
        draft: model.draft,
        destinations,
        canPreview: settings.canPreview,
        disabledByAdmin: model.rule?.disabledByAdmin ?? null,
        ...(model.issues ? { issues: model.issues } : {}),
        ...(model.preview ? { preview: model.preview } : {}),
        ...(model.error ? { error: model.error } : {}),
      }),
      status,
    );
  };
  const inboxOf = (destinations: readonly Destination[]): string | undefined => destinations.find((destination) => destination.kind === 'inbox')?.id;

  app.get('/settings/rules/new', async (request, reply) => {
    const { session, context } = await visitor(request);
    const draft = draftFromLink(request.query as Record<string, unknown>, inboxOf(await settings.destinations(session.user)));
    return ruleForm(reply, context, { ruleId: null, draft });
  });
  app.get('/settings/rules/:id', async (request: IdRequest, reply) => {
    const { session, context } = await visitor(request);
    const rule = await store.getRule(session.user, request.params.id);
    return ruleForm(reply, context, { ruleId: rule.id, draft: draftFromRule(rule), rule });
  });

  /** Saves a rule from the form; a refused rule comes back with every issue named. */
  const saveRule = async (request: FastifyRequest, reply: FastifyReply, ruleId: string | null): Promise<FastifyReply> => {
    const { session, context, form } = await changer(request);
    const draft = draftFromForm(form);
    try {
      if (ruleId) await store.updateRule(session.user, ruleId, inputOfDraft(draft));
      else await store.createRule(session.user, inputOfDraft(draft));
    } catch (error) {
      if (!(error instanceof RuleValidationError)) throw error;
      return ruleForm(reply, context, { ruleId, draft, issues: error.issues }, 400);
    }
    return goTo(reply, '/settings?done=rule-saved');
  };
  app.post('/settings/rules/new', route, async (request, reply) => saveRule(request, reply, null));
  app.post('/settings/rules/preview', route, async (request, reply) => {
    const { session, context, form } = await changer(request);
    const draft = draftFromForm(form);
    const ruleId = fieldOf(form, 'ruleId') || null;
    if (ruleId) await store.getRule(session.user, ruleId); // the form of someone else's rule is not drawn
    try {
      const preview = await settings.preview(session.user, inputOfDraft(draft));
      return ruleForm(reply, context, { ruleId, draft, preview });
    } catch (error) {
      if (!(error instanceof RuleValidationError)) throw error;
      return ruleForm(reply, context, { ruleId, draft, issues: error.issues }, 400);
    }
  });
  app.post('/settings/rules/:id', route, async (request: IdRequest, reply) => saveRule(request, reply, request.params.id));
  app.post('/settings/rules/:id/delete', route, async (request: IdRequest, reply) => {
    const { session } = await changer(request);
    await store.deleteRule(session.user, request.params.id);
    return goTo(reply, '/settings?done=rule-deleted');
  });
  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`/settings/rules/:id/${action}`, route, async (request: IdRequest, reply) => {
      const { session } = await changer(request);
      await store.setRuleEnabled(session.user, request.params.id, enabled);
      return goTo(reply, `/settings?done=rule-${enabled ? 'on' : 'off'}`);
    });
  }

  // ---- destinations ----
  const destinationForm = (reply: FastifyReply, context: PageContext, destination: Destination | null, draft: DestinationDraft, extra: { error?: string; notice?: string | undefined } = {}, status = 200): FastifyReply =>
    sendPage(
      reply,
      destinationFormPage(context, {
        destination,
        draft,
        kinds: settings.kinds,
        error: extra.error,
        notice: extra.notice,
        webhookSecret: destination?.kind === 'webhook' ? options.webhookSecretOf(destination.id) : undefined,
      }),
      status,
    );

  app.get('/settings/destinations/new', async (request, reply) => {
    const { context } = await visitor(request);
    const kind = (request.query as Record<string, unknown>)['kind'];
    return destinationForm(reply, context, null, newDestinationDraft(typeof kind === 'string' ? kind : 'email'));
  });
  app.post('/settings/destinations/new', route, async (request, reply) => {
    const { session, context, form } = await changer(request);
    const draft = destinationDraftOf(form);
    try {
      const { destination, code } = await settings.addDestination(session.user, destinationInputOf(draft, true));
      return goTo(reply, `/settings/destinations/${encodeURIComponent(destination.id)}/verify?done=${code.sent ? 'destination-added' : 'destination-added-unsent'}`);
    } catch (error) {
      const known = errorReply(error);
      if (known?.status !== 400) throw error;
      return destinationForm(reply, context, null, draft, { error: (error as Error).message }, 400);
    }
  });
  app.get('/settings/destinations/:id', async (request: IdRequest, reply) => {
    const { session, context } = await visitor(request);
    const destination = await store.getDestination(session.user, request.params.id);
    return destinationForm(reply, context, destination, draftOfDestination(destination), { notice: noticeOf(request) });
  });
  app.post('/settings/destinations/:id', route, async (request: IdRequest, reply) => {
    const { session, context, form } = await changer(request);
    const destination = await store.getDestination(session.user, request.params.id);
    const draft = destinationDraftOf(form);
    try {
      await store.updateDestination(session.user, destination.id, destinationInputOf(draft, false));
    } catch (error) {
      if (errorReply(error)?.status !== 400) throw error;
      return destinationForm(reply, context, destination, { ...draft, kind: destination.kind, address: destination.address }, { error: (error as Error).message }, 400);
    }
    return goTo(reply, `/settings/destinations/${encodeURIComponent(destination.id)}?done=destination-saved`);
  });
  app.get('/settings/destinations/:id/verify', async (request: IdRequest, reply) => {
    const { session, context } = await visitor(request);
    const destination = await store.getDestination(session.user, request.params.id);
    const code = (request.query as Record<string, unknown>)['code'];
    return sendPage(reply, verifyPage(context, { destination, code: typeof code === 'string' ? code.slice(0, 40) : '', notice: noticeOf(request) }));
  });
  app.post('/settings/destinations/:id/verify', route, async (request: IdRequest, reply) => {
    const { session, context, form } = await changer(request);
    const code = fieldOf(form, 'code').trim();
    try {
      await store.verifyDestination(session.user, request.params.id, code);
    } catch (error) {
      const known = errorReply(error);
      if (known?.status !== 400 && known?.status !== 429) throw error;
      const destination = await store.getDestination(session.user, request.params.id);
      return sendPage(reply, verifyPage(context, { destination, code, error: (error as Error).message }), known.status);
    }
    return goTo(reply, '/settings?done=destination-confirmed');
  });
  app.post('/settings/destinations/:id/resend', route, async (request: IdRequest, reply) => {
    const { session } = await changer(request);
    await settings.resendCode(session.user, request.params.id);
    return goTo(reply, `/settings/destinations/${encodeURIComponent(request.params.id)}/verify?done=code-sent`);
  });
  const destinationAction = (action: string, change: (user: string, id: string) => Promise<unknown>, done: string, back: 'overview' | 'destination') =>
    app.post(`/settings/destinations/:id/${action}`, route, async (request: IdRequest, reply) => {
      const { session } = await changer(request);
      await change(session.user, request.params.id);
      return goTo(reply, back === 'overview' ? `/settings?done=${done}` : `/settings/destinations/${encodeURIComponent(request.params.id)}?done=${done}`);
    });
  destinationAction('delete', (user, id) => store.deleteDestination(user, id), 'destination-deleted', 'overview');
  destinationAction('enable', (user, id) => store.setDestinationDisabled(user, id, false), 'destination-on', 'destination');
  destinationAction('disable', (user, id) => store.setDestinationDisabled(user, id, true), 'destination-off', 'destination');
  destinationAction('resume', (user, id) => store.resumeDestination(user, id), 'destination-resumed', 'destination');

  // ---- inbox ----
  app.get('/inbox', async (request, reply) => {
    const { session, context } = await visitor(request);
    const before = Number((request.query as Record<string, unknown>)['before']);
    const inbox = await settings.inbox(session.user, { limit: INBOX_PAGE_SIZE, ...(Number.isSafeInteger(before) && before > 0 ? { before } : {}) });
    const me = await settings.me(session.user);
    return sendPage(reply, inboxPage(context, inbox, { pageSize: INBOX_PAGE_SIZE, notice: noticeOf(request), feedUrl: me.feedUrl }));
  });
  app.post('/inbox/read', route, async (request, reply) => {
    const { session } = await changer(request);
    await settings.markRead(session.user, 'all');
    return goTo(reply, '/inbox?done=inbox-read');
  });

  // ---- administrators ----
  app.get('/admin/rules', async (request, reply) => {
    const { session, context } = await visitor(request);
    const owner = (request.query as Record<string, unknown>)['owner'];
    const shown = typeof owner === 'string' ? owner.trim().slice(0, 64) : '';
    const rules = await store.adminListRules(session.user, shown ? { owner: shown } : {});
    return sendPage(reply, adminRulesPage(context, rules, { owner: shown, notice: noticeOf(request) }));
  });
  for (const [action, disable] of [['disable', true], ['enable', false]] as const) {
    app.post(`/admin/rules/:id/${action}`, route, async (request: IdRequest, reply) => {
      const { session, form } = await changer(request);
      const reason = fieldOf(form, 'reason').trim();
      if (disable && reason === '') {
        const rules = await store.adminListRules(session.user);
        return sendPage(reply, adminRulesPage(await contextOf(session), rules, { owner: '', error: 'Say why the rule is switched off: its owner sees the reason.' }), 400);
      }
      await store.adminDisableRule(session.user, request.params.id, disable ? reason.slice(0, 500) : null);
      return goTo(reply, `/admin/rules?done=admin-${disable ? 'disabled' : 'enabled'}`);
    });
  }
}
