/**
 * The words the simulated world is made of: people's names, package names that look like a
 * distribution's, mirror hosts. Generated from small lists with the seeded generator, so a world is
 * the same for the same seed.
 */
import type { Random } from './random.js';

const GIVEN = [
  'adam', 'alice', 'amit', 'ana', 'anton', 'aoife', 'ben', 'bianca', 'carlos', 'chen', 'clara', 'dan', 'daria',
  'david', 'elena', 'emma', 'eric', 'fabio', 'fatima', 'felix', 'giulia', 'hana', 'hugo', 'igor', 'ines', 'jakub',
  'jana', 'javier', 'jiri', 'josh', 'julia', 'kamil', 'karen', 'kevin', 'lena', 'leo', 'lucas', 'maja', 'marek',
  'maria', 'martin', 'mateo', 'mei', 'miro', 'nadia', 'neal', 'nina', 'olga', 'omar', 'pablo', 'paul', 'petr',
  'priya', 'quentin', 'rafael', 'ravi', 'rosa', 'sam', 'sara', 'sergio', 'simon', 'sofia', 'tomas', 'ulla',
  'vera', 'victor', 'wei', 'yara', 'yuki', 'zoe',
];

const FAMILY = [
  'adams', 'bauer', 'becker', 'bianchi', 'cerny', 'costa', 'dvorak', 'evans', 'fischer', 'garcia', 'gomez', 'hansen',
  'horak', 'ito', 'jensen', 'kim', 'kowalski', 'kral', 'larsen', 'lee', 'lopez', 'mares', 'meyer', 'moreau',
  'novak', 'nowak', 'ocallaghan', 'olsen', 'patel', 'perez', 'petrov', 'rossi', 'ruiz', 'sato', 'schmidt',
  'silva', 'singh', 'smith', 'suzuki', 'svoboda', 'tanaka', 'varga', 'vasquez', 'wagner', 'walker', 'wang',
  'weber', 'wilson', 'wong', 'yilmaz', 'zhang', 'zeman',
];

/** Packages every distribution has, most-built first (a rough order is enough). */
const CORE_PACKAGES = [
  'kernel', 'firefox', 'systemd', 'python3.13', 'glibc', 'gcc', 'mesa', 'llvm', 'rust', 'golang', 'nodejs22', 'qemu',
  'libvirt', 'podman', 'gnome-shell', 'mutter', 'plasma-workspace', 'kf6-kio', 'thunderbird', 'chromium',
  'openssl', 'openssh', 'curl', 'git', 'vim', 'emacs', 'bash', 'coreutils', 'util-linux', 'dnf5', 'rpm', 'koji',
  'bodhi', 'anaconda', 'NetworkManager', 'pipewire', 'wireplumber', 'gtk4', 'glib2', 'libreoffice', 'gimp',
  'inkscape', 'ffmpeg-free', 'gstreamer1', 'selinux-policy', 'containerd', 'buildah', 'skopeo', 'cockpit',
  'ansible-core', 'nginx', 'httpd', 'postgresql16', 'mariadb', 'redis', 'sqlite', 'perl', 'ruby', 'php', 'java-21-openjdk',
  'maven', 'gradle', 'cmake', 'meson', 'ninja-build', 'autoconf', 'binutils', 'gdb', 'valgrind', 'strace', 'elfutils',
  'zstd', 'xz', 'bzip2', 'openldap', 'krb5', 'sssd', 'freeipa', 'samba', 'cups', 'hplip', 'tesseract', 'texlive',
  'fedora-release', 'fedora-repos', 'grub2', 'shim', 'dracut', 'linux-firmware', 'xorg-x11-server-Xwayland',
  'wayland', 'libinput', 'fwupd', 'flatpak', 'ostree', 'rpm-ostree', 'toolbox', 'distrobox', 'neovim', 'tmux',
];

const STEMS = [
  'aio', 'arrow', 'async', 'atom', 'beacon', 'blob', 'bolt', 'bridge', 'cache', 'canvas', 'cipher', 'click', 'cloud',
  'codec', 'color', 'crypt', 'dash', 'date', 'delta', 'dns', 'dom', 'echo', 'edge', 'ember', 'event', 'fast', 'fiber',
  'flask', 'flux', 'forge', 'frame', 'fuzz', 'gauge', 'glob', 'graph', 'grid', 'hash', 'hex', 'http', 'hyper', 'icon',
  'image', 'index', 'ini', 'iter', 'jinja', 'json', 'key', 'lazy', 'lex', 'link', 'log', 'lru', 'mark', 'mime',
  'mock', 'nano', 'net', 'node', 'oauth', 'orbit', 'packet', 'parse', 'path', 'pixel', 'plot', 'pool', 'proto',
  'query', 'queue', 'rand', 'regex', 'retry', 'ring', 'route', 'rpc', 'schema', 'serde', 'shell', 'sign', 'slug',
  'socket', 'sort', 'spark', 'stack', 'stream', 'sync', 'table', 'tar', 'term', 'text', 'thread', 'time', 'token',
  'trace', 'tree', 'unit', 'url', 'uuid', 'vector', 'watch', 'wire', 'xml', 'yaml', 'zip',
];

const SUFFIXES = ['', 'lib', 'kit', 'py', 'rs', 'ng', 'io', 'utils', 'core', 'tools', 'x', '2'];

const ECOSYSTEMS: readonly (readonly [(stem: string, other: string) => string, number])[] = [
  [(stem) => `python-${stem}`, 30],
  [(stem, other) => `rust-${stem}${other ? `-${other}` : ''}`, 25],
  [(stem, other) => `golang-github-${stem}-${other || 'go'}`, 15],
  [(stem, other) => `perl-${cap(stem)}-${cap(other || 'Util')}`, 10],
  [(stem) => `nodejs-${stem}`, 6],
  [(stem) => `R-${stem}`, 5],
  [(stem) => `ghc-${stem}`, 4],
  [(stem) => `texlive-${stem}`, 3],
  [(stem, other) => `${stem}${other}`, 20],
];

const SUMMARY_WORDS = [
  'Fast', 'Small', 'Pure', 'Simple', 'Portable', 'Modern', 'Lightweight', 'Extensible', 'Robust', 'Async',
];
const SUMMARY_THINGS = [
  'parser', 'library', 'client', 'toolkit', 'framework', 'utility', 'server', 'binding', 'implementation', 'helper',
];

function cap(word: string): string {
  return word === '' ? word : word[0]!.toUpperCase() + word.slice(1);
}

/** `count` distinct account names like `jnovak`, `mariasilva`, `kim2`, with full names and e-mail. */
export function makePeople(random: Random, count: number, exists: (name: string) => boolean = () => false): { name: string; fullName: string }[] {
  const people: { name: string; fullName: string }[] = [];
  const taken = new Set<string>(['bodhi', 'releng', 'kojira', 'orphan', 'admin']);
  while (people.length < count) {
    const given = random.pick(GIVEN);
    const family = random.pick(FAMILY);
    const style = random.int(0, 3);
    let name = style === 0 ? `${given[0]}${family}` : style === 1 ? `${given}${family}` : style === 2 ? given : `${given}${family[0]}`;
    // The suffixes widen with the population, so a large world never runs out of free names.
    const base = name;
    for (let tries = 0; taken.has(name) || exists(name); tries++) name = `${base}${random.int(1, 99 * (1 + Math.floor(tries / 10)))}`;
    taken.add(name);
    people.push({ name, fullName: `${cap(given)} ${cap(family === 'ocallaghan' ? "O'Callaghan" : family)}` });
  }
  return people;
}

/** `count` distinct package names: the core ones first, then generated ones of the usual ecosystems. */
export function makePackageNames(random: Random, count: number): string[] {
  const names = CORE_PACKAGES.slice(0, count);
  const taken = new Set(names);
  let collisions = 0;
  while (names.length < count) {
    let name = makeGeneratedPackageName(random);
    // Once the ecosystems' names are mostly used up, numbered ones keep a large world finite.
    if (taken.has(name) && ++collisions > 50) name = `${name}${names.length}`;
    if (taken.has(name)) continue;
    collisions = 0;
    taken.add(name);
    names.push(name);
  }
  return names;
}

/** A package name of one of the usual ecosystems: `python-fastparse`, `rust-serde-io`… */
export function makeGeneratedPackageName(random: Random): string {
  const make = random.weighted(ECOSYSTEMS);
  return make(random.pick(STEMS), random.chance(0.5) ? random.pick(SUFFIXES) : '');
}

export function makeSummary(random: Random, name: string): string {
  return `${random.pick(SUMMARY_WORDS)} ${name.replace(/^(python|rust|golang-github|perl|nodejs|R|ghc|texlive)-/, '')} ${random.pick(SUMMARY_THINGS)}`;
}

const MIRROR_COUNTRIES = ['US', 'DE', 'CZ', 'FR', 'GB', 'NL', 'SE', 'JP', 'CN', 'BR', 'IN', 'AU', 'CA', 'VN', 'ZA', 'KR', 'IT', 'ES', 'PL', 'FI'];
const MIRROR_TLDS: Readonly<Record<string, string>> = { US: 'edu', GB: 'ac.uk', JP: 'ac.jp', AU: 'edu.au', BR: 'br', IN: 'in' };

/** Mirror hosts with their sites: `mirror.<word>.<tld>`, in one of the countries mirrors are in. */
export function makeMirrors(random: Random, count: number): { id: number; name: string; country: string; site: { id: number; name: string } }[] {
  const mirrors = [];
  const taken = new Set<string>();
  for (let id = 1000; mirrors.length < count; id++) {
    const country = random.pick(MIRROR_COUNTRIES);
    const word = `${random.pick(STEMS)}${random.pick(['', 'net', 'tech', 'uni', 'host', 'lab'])}`;
    const name = `${random.pick(['mirror', 'mirrors', 'ftp', 'fedora'])}.${word}.${MIRROR_TLDS[country] ?? country.toLowerCase()}`;
    if (taken.has(name)) continue;
    taken.add(name);
    mirrors.push({ id, name, country, site: { id: id + 4000, name: cap(word) } });
  }
  return mirrors;
}
