"""Koji hub plugin: announce builds, tasks, tags and repositories on Tidings, through its HTTP gateway.

Install: copy this file to /usr/lib/koji-hub-plugins/, add `tidings_koji` to `Plugins` in hub.conf and
write /etc/koji-hub/plugins/tidings_koji.conf (contrib/koji/README.md has the details).

The callbacks turn each event into the message koji-fedoramessaging would publish (same topics,
bodies and schema names) and queue it while Koji's transaction runs. Once Koji has committed,
`postCommit` appends the queue to a spool on disk and sends the spool in order, oldest first, one
`POST /api/v1/messages` each, removing a file only when the gateway answered 202. A message the
gateway refuses for what it is (a 4xx other than 401, 404, 407, 408 or 429) moves to `rejected/` with the
reason; any other failure stops the sending and keeps the rest for the next commit, or for
`python3 tidings_koji.py flush`. A rolled-back request never reaches `postCommit`, and Koji clears
its context after every request, so its messages are dropped. Nothing here raises into Koji.

Standard library only, Python 3.6 and later. One file, because Koji loads a plugin by module name
from its plugin directory: a helper module beside it could not be imported.
"""
import argparse
import configparser
import contextlib
import datetime
import errno
import fcntl
import http.client
import json
import logging
import os
import re
import ssl
import sys
import threading
import time
import urllib.parse
import uuid

try:
    from koji.context import context
    from koji.plugin import callback, callbacks as _koji_callbacks, ignore_error

    CALLBACK_TYPES = frozenset(_koji_callbacks)
except ImportError:
    # Outside a hub (the tests, `flush`): the same decorators, and a context per thread as Koji's.
    class _Context(threading.local):
        def _threadclear(self):
            self.__dict__.clear()

    context = _Context()
    CALLBACK_TYPES = frozenset([
        'postBuildStateChange', 'postTaskStateChange', 'postTag', 'postUntag', 'postRepoInit',
        'postRepoDone', 'postCommit', 'postAbort',
    ])

    def callback(*cbtypes):
        def mark(function):
            function.callbacks = cbtypes
            return function
        return mark

    def ignore_error(function):
        function.failure_is_an_option = True
        return function

CONFIG_FILE = '/etc/koji-hub/plugins/tidings_koji.conf'
LOG = logging.getLogger('koji.plugin.tidings_koji')

INFO = 20
DEBUG = 10
# Per event: the topic after the prefix, the schema name koji-fedoramessaging-messages registers, and
# fedora-messaging's severity for it.
EVENTS = {
    'build': ('buildsys.build.state.change', 'koji_fedoramessaging.build.BuildStateChangeV1', INFO),
    'task': ('buildsys.task.state.change', 'koji_fedoramessaging.task.TaskStateChangeV1', INFO),
    'tag': ('buildsys.tag', 'koji_fedoramessaging.tag.TagV1', DEBUG),
    'untag': ('buildsys.untag', 'koji_fedoramessaging.tag.UntagV1', DEBUG),
    'repo.init': ('buildsys.repo.init', 'koji_fedoramessaging.repo.InitV1', DEBUG),
    'repo.done': ('buildsys.repo.done', 'koji_fedoramessaging.repo.DoneV1', DEBUG),
}
# Floats that koji-fedoramessaging drops from task information (their JSON differs between Pythons).
SCRUBBED_TASK_FIELDS = ('weight', 'start_ts', 'create_ts', 'completion_ts')
TASK_TIME_FIELDS = ('completion_time', 'create_time', 'start_time')


# ---------------------------------------------------------------------------------------------------
# Configuration

class ConfigError(Exception):
    pass


class Settings(object):
    """What tidings_koji.conf says, checked once when it is read."""

    def __init__(self, path):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            with open(path) as config:
                parser.read_file(config)
        except (OSError, configparser.Error) as error:
            raise ConfigError('cannot read %s: %s' % (path, error))

        def get(section, name, default=None):
            value = parser.get(section, name, fallback='').strip()
            return value if value else default

        def number(section, name, default):
            text = get(section, name)
            try:
                value = float(text) if text is not None else default
            except ValueError:
                raise ConfigError('%s: [%s] %s must be a number of seconds, not %r' % (path, section, name, text))
            if value < 0:
                raise ConfigError('%s: [%s] %s must not be negative' % (path, section, name))
            return value

        self.path = path
        self.url = get('gateway', 'url')
        if not self.url or urllib.parse.urlsplit(self.url).scheme not in ('http', 'https'):
            raise ConfigError('%s: [gateway] url must be the http(s) URL of tidings serve, '
                              'e.g. http://127.0.0.1:8780' % path)
        self.token = get('gateway', 'token')
        token_file = get('gateway', 'token_file')
        if not self.token and token_file:
            try:
                with open(token_file) as handle:
                    self.token = handle.read().strip()
            except OSError as error:
                raise ConfigError('%s: cannot read [gateway] token_file: %s' % (path, error))
        if not self.token:
            raise ConfigError('%s: set [gateway] token or token_file '
                              '(tidings identity create koji --topics ... prints one)' % path)
        self.timeout = number('gateway', 'timeout', 10.0) or 10.0  # 0 would make the socket non-blocking
        self.ca_file = get('gateway', 'ca_file')

        self.topic_prefix = get('messages', 'topic_prefix', '').rstrip('.')
        if not self.topic_prefix:
            raise ConfigError('%s: set [messages] topic_prefix, e.g. org.fedoraproject.prod' % path)
        self.instance = get('messages', 'instance', 'primary')
        self.base_url = (get('messages', 'base_url') or '').rstrip('/') or None
        self.web_url = (get('messages', 'web_url') or '').rstrip('/') or None
        self.files_url = (get('messages', 'files_url') or '').rstrip('/') or None
        self.tasks = get('messages', 'tasks', 'scratch')
        if self.tasks not in ('scratch', 'all', 'none'):
            raise ConfigError('%s: [messages] tasks must be scratch, all or none, not %r' % (path, self.tasks))

        self.spool_dir = get('spool', 'dir', '/var/spool/tidings-koji')
        self.max_send_seconds = number('spool', 'max_send_seconds', 30.0)
        self.retry_interval = number('spool', 'retry_interval', 10.0)

    def topic(self, event):
        return '%s.%s' % (self.topic_prefix, EVENTS[event][0])


_settings = None
_settings_lock = threading.Lock()


def configure(path=CONFIG_FILE):
    """Reads the configuration (again); raises ConfigError. The hub reads it on first use."""
    global _settings
    settings = Settings(path)
    with _settings_lock:
        _settings = settings
        _pause.clear()
    return settings


def current_settings():
    with _settings_lock:
        settings = _settings
    return settings if settings is not None else configure(CONFIG_FILE)


# ---------------------------------------------------------------------------------------------------
# Message bodies, as koji-fedoramessaging writes them

def _hub():
    """Koji's hub module, for what the callbacks are not given (owner names, task details)."""
    try:
        import kojihub
    except ImportError:
        return None
    return kojihub


def _user_name(hub, user):
    if isinstance(user, str) or user is None:
        return user
    if hub is None:
        return None
    try:
        return hub.get_user(user)['name']
    except Exception:
        LOG.debug('cannot look up user %r', user, exc_info=True)
        return None


def _owner_of(info, hub):
    if info.get('owner_name'):
        return info['owner_name']
    if info.get('owner_id') is not None:
        return _user_name(hub, info['owner_id'])
    return _user_name(hub, info.get('owner'))


def _iso(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def _timestamp(value):
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).timestamp()
    return value


def _base_url(settings):
    """The hub's own URL: configured, or the one this request came in on, as koji-fedoramessaging does."""
    if settings.base_url:
        return settings.base_url
    environ = getattr(context, 'environ', None) or {}
    host = environ.get('HTTP_X_FORWARDED_HOST', environ.get('SERVER_NAME'))
    if not host:
        return None
    return '%s://%s' % (environ.get('HTTP_X_FORWARDED_SCHEME', environ.get('wsgi.url_scheme', 'https')), host)


def _web_url(settings):
    if settings.web_url:
        return settings.web_url
    base = _base_url(settings)
    return base + '/koji' if base else None


def _links(settings, files=False):
    """base_url for every message; files_base_url too for builds and tasks, whose files it locates."""
    links = {}
    base = _base_url(settings)
    if base:
        links['base_url'] = base
    if files and settings.files_url:
        links['files_base_url'] = settings.files_url + '/work'
    return links


def _scrub(value):
    if isinstance(value, dict):
        return dict((key, _scrub(item)) for key, item in value.items() if key not in SCRUBBED_TASK_FIELDS)
    if isinstance(value, (list, tuple)):
        return [_scrub(item) for item in value]
    return value


def _task_info(info, settings, hub):
    """A task as koji-fedoramessaging sends it: times as timestamps, its URL, owner, result, children."""
    task = dict(info)
    for field in TASK_TIME_FIELDS:
        if field in task:
            task[field] = _timestamp(task[field])
    web = _web_url(settings)
    if web and task.get('id') is not None:
        task['url'] = '%s/taskinfo?taskID=%s' % (web, task['id'])
    task['owner'] = _user_name(hub, task.get('owner'))
    task.setdefault('host_name', None)
    task.setdefault('result', None)
    task['children'] = []
    if hub is not None and task.get('id') is not None:
        try:
            handle = hub.Task(task['id'])
            if task.get('host_id'):
                task['host_name'] = hub.get_host(task['host_id'])['name']
            try:
                task['result'] = handle.getResult()
            except Exception:
                task['result'] = None  # an open or failed task has none
            task['children'] = [_task_info(child, settings, hub) for child in handle.getChildren()]
        except Exception:
            LOG.debug('cannot look up the details of task %s', task.get('id'), exc_info=True)
    return _scrub(task)


def build_state_change(settings, attribute, old, new, info, **_):
    hub = _hub()
    task_id = info.get('task_id')
    task = None
    if task_id and hub is not None:
        try:
            task = _task_info(hub.Task(task_id).getInfo(request=True), settings, hub)
        except Exception:
            LOG.debug('cannot look up task %s of build %s', task_id, info.get('id'), exc_info=True)
    body = _links(settings, files=True)
    body.update({
        'name': info['name'], 'version': info['version'], 'release': info['release'], 'epoch': info.get('epoch'),
        'attribute': attribute, 'old': old, 'new': new,
        'build_id': info.get('id'), 'task_id': task_id, 'task': task,
        # The schema wants a list: an imported build, without a task, has an empty one.
        'request': list(task.get('request') or []) if task else [],
        'owner': _owner_of(info, hub),
        'creation_time': _iso(info.get('creation_time')), 'completion_time': _iso(info.get('completion_time')),
    })
    web = _web_url(settings)
    if web and body['build_id'] is not None:
        body['url'] = '%s/buildinfo?buildID=%s' % (web, body['build_id'])
    return body, [body['owner']], [body['name']]


def task_state_change(settings, attribute, old, new, info, **_):
    task = _task_info(info, settings, _hub())
    request = info.get('request') or ['/']
    body = _links(settings, files=True)
    body.update({
        'info': task, 'id': task['id'], 'method': task['method'], 'attribute': attribute, 'old': old, 'new': new,
        'owner': task['owner'], 'srpm': str(request[0]).split('/')[-1],
    })
    return body, [body['owner']], []


def tagging(settings, tag, build, user, **_):
    body = _links(settings)
    body.update({
        'tag': tag['name'], 'tag_id': tag['id'], 'name': build['name'], 'version': build['version'],
        'release': build['release'], 'build_id': build['id'], 'user': user['name'],
    })
    owner = _owner_of(build, _hub())
    if owner:  # the schema wants a string when it is there at all
        body['owner'] = owner
    return body, [body['user'], owner], [body['name']]


def repo_init(settings, tag, repo_id, **_):
    body = dict(_links(settings), tag=tag['name'], tag_id=tag['id'], repo_id=repo_id)
    return body, [], []


def repo_done(settings, repo, **_):
    body = dict(_links(settings), tag=repo['tag_name'], tag_id=repo['tag_id'], repo_id=repo['id'])
    return body, [], []


def _json_default(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return str(value)


def _sent_at():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def make_message(settings, event, body, usernames=(), packages=()):
    """The POST /api/v1/messages request for one event: its id is fixed here, before any try."""
    _, schema, severity = EVENTS[event]
    body['instance'] = settings.instance
    headers = {'fedora_messaging_severity': severity, 'sent-at': _sent_at()}
    for name in usernames:
        if name:
            headers['fedora_messaging_user_' + name] = True
    for name in packages:
        if name:
            headers['fedora_messaging_rpm_' + name] = True
    message = {'id': str(uuid.uuid4()), 'topic': settings.topic(event), 'schema': schema, 'headers': headers, 'body': body}
    # Made plain JSON now: Koji's dicts may change after the callback, and a bad value fails here.
    return json.loads(json.dumps(message, default=_json_default))


# ---------------------------------------------------------------------------------------------------
# The callbacks

def _queue(event, build_body, kws, wanted=None):
    try:
        settings = current_settings()
    except ConfigError as error:
        LOG.error('tidings_koji is not configured, %s not announced: %s', EVENTS[event][0], error)
        return
    if wanted is not None and not wanted(settings, kws):
        return
    body, usernames, packages = build_body(settings, **kws)
    queued = getattr(context, 'tidings_messages', None)
    if queued is None:
        queued = context.tidings_messages = []
    queued.append(make_message(settings, event, body, usernames, packages))


def queued_messages():
    """What this request has queued so far (for tests and debugging)."""
    return list(getattr(context, 'tidings_messages', None) or [])


@callback('postBuildStateChange')
@ignore_error
def queue_build_state_change(cbtype, *args, **kws):
    if kws.get('attribute') == 'state':  # not volume moves
        _queue('build', build_state_change, kws)


def _task_wanted(settings, kws):
    if kws.get('attribute') != 'state' or settings.tasks == 'none':
        return False
    if settings.tasks == 'all':
        return True
    # As Fedora: the top task of scratch builds only (a real build has its build messages).
    info = kws.get('info') or {}
    request = list(info.get('request') or [{}])
    return not info.get('parent') and isinstance(request[-1], dict) and bool(request[-1].get('scratch'))


@callback('postTaskStateChange')
@ignore_error
def queue_task_state_change(cbtype, *args, **kws):
    _queue('task', task_state_change, kws, _task_wanted)


@callback('postTag')
@ignore_error
def queue_tag(cbtype, *args, **kws):
    _queue('tag', tagging, kws)


@callback('postUntag')
@ignore_error
def queue_untag(cbtype, *args, **kws):
    _queue('untag', tagging, kws)


@callback('postRepoInit')
@ignore_error
def queue_repo_init(cbtype, *args, **kws):
    _queue('repo.init', repo_init, kws)


@callback('postRepoDone')
@ignore_error
def queue_repo_done(cbtype, *args, **kws):
    _queue('repo.done', repo_done, kws)


@callback('postCommit')
@ignore_error
def send_queued(cbtype, *args, **kws):
    messages = queued_messages()
    context.tidings_messages = []
    try:
        settings = current_settings()
    except ConfigError as error:
        if messages:
            LOG.error('tidings_koji is not configured, %d messages dropped: %s', len(messages), error)
        return
    try:
        deliver(messages, settings)
    except Exception:
        LOG.exception('tidings_koji could not hand %d messages on', len(messages))


# Koji has no abort callback today: a rolled-back request never reaches postCommit, and Koji clears
# its context after every request. Should a hub offer one, the queue is dropped there too.
@callback(*[name for name in ('postAbort',) if name in CALLBACK_TYPES])
@ignore_error
def drop_queued(cbtype, *args, **kws):
    context.tidings_messages = []


def run_callbacks(cbtype, *args, **kws):
    """Calls this module's callbacks for `cbtype` as Koji's hub does: for tests, without a hub."""
    for function in list(globals().values()):
        if callable(function) and cbtype in getattr(function, 'callbacks', ()):
            try:
                function(cbtype, *args, **kws)
            except Exception:
                if not getattr(function, 'failure_is_an_option', False):
                    raise
                LOG.warning('error in the %s callback %s', cbtype, function.__name__, exc_info=True)


# ---------------------------------------------------------------------------------------------------
# The spool: one file per message, sent in order

ENTRY = re.compile(r'^(\d{12})-[0-9A-Za-z-]+\.json$')
REJECTED = 'rejected'


class Spool(object):
    """Messages waiting for the gateway, named `<sequence>-<id>.json` so that a listing is their order."""

    def __init__(self, directory):
        self.dir = directory

    def pending(self):
        try:
            names = os.listdir(self.dir)
        except OSError as error:
            if error.errno == errno.ENOENT:
                return []
            raise
        return sorted(name for name in names if ENTRY.match(name))

    def rejected(self):
        try:
            return sorted(name for name in os.listdir(os.path.join(self.dir, REJECTED)) if name.endswith('.json'))
        except OSError:
            return []

    @contextlib.contextmanager
    def _locked(self, name, wait):
        # Read-only is enough for flock, and works on a lock file another account created.
        descriptor = os.open(os.path.join(self.dir, name), os.O_RDONLY | os.O_CREAT, 0o666)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                held = False
            yield held
        finally:
            os.close(descriptor)  # releases the lock; so does the death of the process

    def sending(self):
        """Held while sending; False when another process is sending (it will see our files)."""
        os.makedirs(self.dir, exist_ok=True)
        return self._locked('lock', wait=False)

    def add(self, messages):
        """Appends messages after every pending one, each file written aside and renamed whole."""
        if not messages:
            return []
        os.makedirs(self.dir, exist_ok=True)
        names = []
        with self._locked('append.lock', wait=True):
            pending = self.pending()
            sequence = int(ENTRY.match(pending[-1]).group(1)) + 1 if pending else 1
            for message in messages:
                name = '%012d-%s.json' % (sequence, message['id'])
                aside = os.path.join(self.dir, '.%s.tmp' % name)
                with open(aside, 'w') as handle:
                    json.dump(message, handle, sort_keys=True)
                    handle.write('\n')
                    handle.flush()
                    os.fsync(handle.fileno())
                os.rename(aside, os.path.join(self.dir, name))
                names.append(name)
                sequence += 1
        directory = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return names

    def read(self, name):
        with open(os.path.join(self.dir, name)) as handle:
            return json.load(handle)

    def remove(self, name):
        try:
            os.unlink(os.path.join(self.dir, name))
        except OSError as error:
            if error.errno != errno.ENOENT:
                raise

    def reject(self, name, reason):
        rejected = os.path.join(self.dir, REJECTED)
        os.makedirs(rejected, exist_ok=True)
        with open(os.path.join(rejected, name[:-len('.json')] + '.reason'), 'w') as handle:
            handle.write(reason + '\n')
        os.rename(os.path.join(self.dir, name), os.path.join(rejected, name))


# ---------------------------------------------------------------------------------------------------
# Sending

SENT, REJECT, KEEP = 'sent', 'reject', 'keep'
# Refusals that are about the token, the URL or the moment, not the message: keep it for later.
KEPT_CLIENT_ERRORS = (401, 404, 407, 408, 429)
STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class Answer(object):
    def __init__(self, outcome, reason, retry_after=None):
        self.outcome = outcome
        self.reason = reason
        self.retry_after = retry_after


class Gateway(object):
    """POST /api/v1/messages over one kept-alive connection."""

    def __init__(self, settings):
        self.settings = settings
        parts = urllib.parse.urlsplit(settings.url)
        self.https = parts.scheme == 'https'
        self.host = parts.hostname
        self.port = parts.port
        self.path = parts.path.rstrip('/') + '/api/v1/messages'
        self.connection = None

    def _connect(self):
        if self.https:
            tls = ssl.create_default_context(cafile=self.settings.ca_file)
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.settings.timeout, context=tls)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.settings.timeout)

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def post(self, message):
        data = json.dumps(message).encode('utf-8')
        headers = {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + self.settings.token}
        # A kept-alive connection the server has closed fails at once: try that once more, afresh.
        for fresh in ((False, True) if self.connection is not None else (True,)):
            if fresh:
                self.close()
                self.connection = self._connect()
            try:
                self.connection.request('POST', self.path, body=data, headers=headers)
                response = self.connection.getresponse()
                text = response.read()
                break
            except (OSError, http.client.HTTPException) as error:
                self.close()
                if fresh or not isinstance(error, STALE_CONNECTION_ERRORS):
                    return Answer(KEEP, 'could not reach %s: %s' % (self.settings.url, str(error) or type(error).__name__))
        try:
            reason = json.loads(text.decode('utf-8')).get('error') or ''
        except (ValueError, AttributeError):
            reason = text.decode('utf-8', 'replace')[:500]
        status = response.status
        described = 'HTTP %d: %s' % (status, reason or response.reason)
        if 200 <= status < 300:
            return Answer(SENT, described)
        retry_after = response.getheader('Retry-After')
        if 400 <= status < 500 and status not in KEPT_CLIENT_ERRORS:
            return Answer(REJECT, described)
        return Answer(KEEP, described, float(retry_after) if retry_after and retry_after.isdigit() else None)


class _Pause(object):
    """After a failure, this process leaves the gateway alone for a while (commits keep spooling)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.until = 0.0

    def clear(self):
        with self.lock:
            self.until = 0.0

    def start(self, seconds):
        with self.lock:
            self.until = max(self.until, time.monotonic() + seconds)

    def active(self):
        with self.lock:
            return time.monotonic() < self.until


_pause = _Pause()


def drain(settings, force=False):
    """Sends the spool in order. Returns how many messages are still waiting (0: all sent or rejected)."""
    spool = Spool(settings.spool_dir)
    if not spool.pending():  # the common case, on every commit: nothing waits
        return 0
    if not force and _pause.active():
        return len(spool.pending())
    deadline = time.monotonic() + settings.max_send_seconds
    gateway = Gateway(settings)
    try:
        while True:
            with spool.sending() as held:
                if not held:
                    LOG.info('another process is sending the spool %s', spool.dir)
                    return len(spool.pending())
                finished = _send_pending(spool, gateway, settings, deadline)
            # Files added while we held the lock by a process that could not take it are ours to send.
            left = len(spool.pending())
            if not finished or left == 0:
                return left
    finally:
        gateway.close()


def _send_pending(spool, gateway, settings, deadline):
    for name in spool.pending():
        if time.monotonic() > deadline:
            LOG.info('tidings_koji: sending for %s s already, the rest waits in %s', settings.max_send_seconds, spool.dir)
            return False
        try:
            message = spool.read(name)
        except OSError as error:
            if error.errno == errno.ENOENT:
                continue
            raise
        except ValueError as error:
            spool.reject(name, 'unreadable: %s' % error)
            LOG.error('tidings_koji: %s is damaged (%s), moved to %s', name, error, REJECTED)
            continue
        answer = gateway.post(message)
        if answer.outcome == SENT:
            spool.remove(name)
        elif answer.outcome == REJECT:
            spool.reject(name, answer.reason)
            LOG.error('tidings_koji: the gateway refused %s on %s (%s): moved to %s/%s',
                      message.get('id'), message.get('topic'), answer.reason, spool.dir, REJECTED)
        else:
            pause = answer.retry_after if answer.retry_after is not None else settings.retry_interval
            _pause.start(pause)
            LOG.warning('tidings_koji: %s; %d messages wait in %s', answer.reason, len(spool.pending()), spool.dir)
            return False
    return True


def deliver(messages, settings):
    """Spools messages behind any still waiting, then sends the spool."""
    try:
        Spool(settings.spool_dir).add(messages)
    except OSError as error:
        LOG.error('tidings_koji: cannot write to the spool %s (%s): sending %d messages directly, '
                  'lost if the gateway does not take them', settings.spool_dir, error, len(messages))
        gateway = Gateway(settings)
        try:
            for message in messages:
                answer = gateway.post(message)
                if answer.outcome != SENT:
                    LOG.error('tidings_koji: lost %s on %s: %s', message['id'], message['topic'], answer.reason)
        finally:
            gateway.close()
        return
    drain(settings)


# ---------------------------------------------------------------------------------------------------
# `python3 tidings_koji.py flush`: send what waits without waiting for a commit (cron, after an outage)

def main(argv=None):
    parser = argparse.ArgumentParser(description='Send or count the messages the Koji plugin has spooled.')
    parser.add_argument('--config', default=CONFIG_FILE, help='default: %(default)s')
    parser.add_argument('command', choices=['flush', 'status'])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    try:
        settings = configure(args.config)
    except ConfigError as error:
        print('tidings_koji: %s' % error, file=sys.stderr)
        return 2
    spool = Spool(settings.spool_dir)
    left = drain(settings, force=True) if args.command == 'flush' else len(spool.pending())
    print('%d waiting, %d rejected in %s' % (left, len(spool.rejected()), spool.dir))
    return 0 if left == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
