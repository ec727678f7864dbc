/**
 * The name a repository is announced under: `repo` and an optional `namespace`, as Fedora's git hook
 * reports them (`rpms` / `kernel` for /srv/git/rpms/kernel.git).
 */
import { basename, dirname } from 'node:path';

export interface RepositoryIdentity {
  readonly repo: string;
  readonly namespace: string | null;
  /** The git directory on the server. */
  readonly path: string;
}

export interface NamingOptions {
  /** `name` or `namespace/name`; wins over the path. */
  readonly name?: string | undefined;
  /** Take the namespace from the directory that holds the repository. */
  readonly withNamespace?: boolean | undefined;
}

/** Where the repository's own directory is: the git dir, or the working tree of a non-bare one. */
function repositoryDirectory(gitDir: string): string {
  const trimmed = gitDir.replace(/\/+$/, '');
  return basename(trimmed) === '.git' ? dirname(trimmed) : trimmed;
}

export function repositoryIdentity(gitDir: string, options: NamingOptions = {}): RepositoryIdentity {
  if (options.name !== undefined && options.name.trim() !== '') {
    const name = options.name.trim().replace(/^\/+|\/+$/g, '');
    const slash = name.lastIndexOf('/');
    return { repo: slash < 0 ? name : name.slice(slash + 1), namespace: slash < 0 ? null : name.slice(0, slash), path: gitDir };
  }
  const directory = repositoryDirectory(gitDir);
  const repo = basename(directory).replace(/\.git$/, '') || directory;
  const namespace = options.withNamespace ? basename(dirname(directory)) || null : null;
  return { repo, namespace, path: gitDir };
}

/** `namespace/repo`, or `repo`. */
export function fullName(identity: RepositoryIdentity): string {
  return identity.namespace ? `${identity.namespace}/${identity.repo}` : identity.repo;
}

/**
 * A link from a template such as `https://src.example.org/{repository}/c/{rev}?branch={branch}`.
 * Values are URL-encoded (the slash of `{repository}` is kept); unknown placeholders stay as written.
 */
export function fillUrlTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) return whole;
    return key === 'repository' || key === 'namespace' ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
  });
}
