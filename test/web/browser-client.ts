/** An HTTP client that keeps cookies and does not follow redirects, as a browser's forms would see serve. */
export interface PageAnswer {
  readonly status: number;
  readonly location: string | null;
  readonly headers: Headers;
  readonly text: string;
}

export class CookieClient {
  private readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  private remember(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '' || /Max-Age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request(method: string, path: string, body?: Record<string, string | string[]> | object, json = false, extra: Record<string, string> = {}): Promise<PageAnswer> {
    const headers: Record<string, string> = { ...extra };
    if (this.cookies.size) headers['cookie'] = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let payload: string | undefined;
    if (body && json) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    } else if (body) {
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(body as Record<string, string | string[]>)) for (const item of [value].flat()) form.append(key, item);
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = form.toString();
    }
    const response = await fetch(new URL(path, this.base), { method, headers, redirect: 'manual', ...(payload !== undefined ? { body: payload } : {}) });
    this.remember(response.headers);
    return { status: response.status, location: response.headers.get('location'), headers: response.headers, text: await response.text() };
  }

  get(path: string): Promise<PageAnswer> {
    return this.request('GET', path);
  }

  post(path: string, form: Record<string, string | string[]>): Promise<PageAnswer> {
    return this.request('POST', path, form);
  }

  api(method: string, path: string, body?: object, csrf?: string): Promise<PageAnswer> {
    return this.request(method, path, body, true, csrf ? { 'x-csrf-token': csrf } : {});
  }

  /** Logs in with the development login form, as `user`; resolves with where it sent the browser. */
  async devLogin(user: string, next = '/settings'): Promise<string | null> {
    const page = await this.get(`/login?next=${encodeURIComponent(next)}`);
    const token = /name="_login" value="([^"]+)"/.exec(page.text)?.[1];
    if (!token) throw new Error(`no development login form at /login (status ${page.status})`);
    const answer = await this.post('/login/dev', { _login: token, next, username: user });
    if (answer.status !== 303) throw new Error(`the development login answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    return answer.location;
  }

  /** The CSRF token the pages' forms carry. */
  async csrf(): Promise<string> {
    const me = await this.api('GET', '/api/v1/notify/me');
    return (JSON.parse(me.text) as { csrf: string }).csrf;
  }
}
