"""The Koji hub plugin against a running `tidings serve`: its callbacks called with what a hub passes
them, and the messages looked up in that serve's archive.

    TIDINGS_KOJI_TEST_URL=http://127.0.0.1:8780 TIDINGS_KOJI_TEST_TOKEN=tdg.… \\
        python3 -m unittest -v contrib/koji/test_tidings_koji.py

The token's identity must be allowed org.fedoraproject.prod.buildsys.# and nothing under
org.fedoraproject.stg (`tidings identity create koji --topics 'org.fedoraproject.prod.buildsys.#'`).
test/contrib/koji-plugin.test.ts starts a serve, creates that identity and runs this file.
"""
import datetime
import http.server
import json
import logging
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types
import unittest
import urllib.error
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tidings_koji  # noqa: E402

# The plugin's warnings are expected here (the gateway is down on purpose); assertLogs still sees them.
logging.getLogger(tidings_koji.LOG.name).addHandler(logging.NullHandler())

URL = os.environ.get('TIDINGS_KOJI_TEST_URL', '').rstrip('/')
TOKEN = os.environ.get('TIDINGS_KOJI_TEST_TOKEN', '')
PREFIX = 'org.fedoraproject.prod'
SCHEMA = 'fedora_messaging_schema'
SEVERITY = 'fedora_messaging_severity'


def setUpModule():
    if not URL or not TOKEN:
        raise RuntimeError(
            'set TIDINGS_KOJI_TEST_URL (a running tidings serve, e.g. http://127.0.0.1:8780) and '
            'TIDINGS_KOJI_TEST_TOKEN (from tidings identity create koji --topics "org.fedoraproject.prod.buildsys.#"): '
            'these tests publish through that gateway and read its archive')


def utc(*parts):
    return datetime.datetime(*parts, tzinfo=datetime.timezone.utc)


# ---------------------------------------------------------------------------------------------------
# What a hub passes the callbacks (shapes of Koji's get_build, Task.getInfo, get_tag, get_user, repo_info)

class Koji(object):
    """Builds, tasks, tags and repositories with ids of their own, apart from an earlier run's."""

    def __init__(self):
        self.next_id = random.randint(10 ** 6, 10 ** 9)

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def build(self, name='grep', state=1, **changes):
        build_id = self.new_id()
        build = {
            'build_id': build_id, 'id': build_id, 'cg_id': None, 'cg_name': None, 'draft': False,
            'completion_time': utc(2024, 6, 27, 17, 40, 53, 160696), 'completion_ts': 1719510053.160696,
            'creation_event_id': 112308010, 'creation_time': utc(2024, 6, 27, 14, 2, 11, 397820),
            'creation_ts': 1719496931.39782, 'epoch': None,
            'extra': {'source': {'original_url': 'git+https://src.fedoraproject.org/rpms/%s.git#799f88f9' % name}},
            'name': name, 'nvr': '%s-3.11-1.fc41' % name, 'owner_id': 1289, 'owner_name': 'jskarvad',
            'package_id': 1023, 'package_name': name, 'release': '1.fc41',
            'source': 'git+https://src.fedoraproject.org/rpms/%s.git#799f88f9' % name,
            'start_time': utc(2024, 6, 27, 14, 2, 11, 386593), 'start_ts': 1719496931.386593, 'state': state,
            'task_id': self.new_id(), 'version': '3.11', 'volume_id': 0, 'volume_name': 'DEFAULT',
        }
        build.update(changes)
        return build

    def task(self, request, parent=None, method='build', **changes):
        task = {
            'arch': 'noarch', 'awaited': None, 'channel_id': 1,
            'completion_time': utc(2024, 6, 8, 12, 12, 1, 529560), 'completion_ts': 1717848721.52956,
            'create_time': utc(2024, 6, 8, 12, 8, 6, 480133), 'create_ts': 1717848486.480133,
            'host_id': 569, 'id': self.new_id(), 'label': None, 'method': method, 'owner': 3445,
            'parent': parent, 'priority': 50, 'start_time': utc(2024, 6, 8, 12, 8, 6, 983868),
            'start_ts': 1717848486.983868, 'state': 2, 'waiting': True, 'weight': 0.2, 'request': request,
        }
        task.update(changes)
        return task

    def scratch_request(self):
        return ('cli-build/1717848486.4513252.NoatzAfE/khal-0.11.2-1.fc41.src.rpm', 'rawhide', {'scratch': True})

    def tag(self, name='f41-updates-candidate'):
        return {'arches': 'aarch64 ppc64le s390x x86_64', 'id': self.new_id(), 'locked': False,
                'maven_include_all': False, 'maven_support': False, 'name': name, 'perm': None, 'perm_id': None,
                'extra': {}}

    def user(self, name='bodhi'):
        return {'id': 3421, 'name': name, 'status': 0, 'usertype': 0, 'krb_principals': []}

    def repo(self, tag):
        return {'create_event': 112308041, 'create_ts': 1719495235.59291,
                'creation_time': utc(2024, 6, 27, 13, 33, 55, 592910),
                'dist': False, 'id': self.new_id(), 'state': 1, 'tag_id': tag['id'], 'tag_name': tag['name'],
                'task_id': self.new_id()}

    # The callbacks and their keyword arguments, as kojihub calls them.
    def build_state_change(self, build, old=0, new=1, attribute='state'):
        return ('postBuildStateChange', dict(attribute=attribute, old=old, new=new, info=build))

    def task_state_change(self, task, old='OPEN', new='CLOSED', attribute='state'):
        return ('postTaskStateChange', dict(attribute=attribute, old=old, new=new, info=task))

    def tagged(self, tag, build, user):
        return ('postTag', dict(tag=tag, build=build, user=user, force=None))

    def untagged(self, tag, build, user):
        return ('postUntag', dict(tag=tag, build=build, user=user, strict=True, force=False))

    def repo_init(self, tag, repo_id):
        return ('postRepoInit', dict(tag=tag, with_src=False, with_debuginfo=False, event=None, repo_id=repo_id,
                                     with_separate_src=False, task_id=self.new_id()))

    def repo_done(self, repo):
        return ('postRepoDone', dict(repo=repo, data={'x86_64': ['tasks/2780/101962780', ['repomd.xml']]}, expire=False))


def koji_request(*events, **options):
    """One hub request: the events' callbacks, then postCommit (unless commit=False). Returns what it queued."""
    tidings_koji.context._threadclear()
    for cbtype, kws in events:
        tidings_koji.run_callbacks(cbtype, **kws)
    queued = tidings_koji.queued_messages()
    if options.get('commit', True):
        tidings_koji.run_callbacks('postCommit')
    tidings_koji.context._threadclear()
    return queued


def ids(messages):
    return [message['id'] for message in messages]


def archived(message_id, timeout=15):
    """The message as the serve's archive has it (GET /id), once it is there."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen('%s/id?id=%s' % (URL, message_id), timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
        if time.monotonic() > deadline:
            raise AssertionError('message %s never reached the archive of %s' % (message_id, URL))
        time.sleep(0.05)  # polling interval, not synchronisation


def closed_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class Relay(object):
    """Stands in front of the real gateway: notes each POSTed message's id, answers the scripted
    answers first, then forwards to the gateway and passes its answer back."""

    def __init__(self, delay=0.0):
        self.seen = []
        self.script = []
        self.lock = threading.Lock()
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_POST(self):
                data = self.rfile.read(int(self.headers['Content-Length']))
                with relay.lock:
                    relay.seen.append(json.loads(data.decode('utf-8'))['id'])
                    scripted = relay.script.pop(0) if relay.script else None
                time.sleep(delay)  # a slow gateway, so that concurrent senders overlap
                extra = {}
                if scripted:
                    status, extra, answer = scripted
                else:
                    forwarded = urllib.request.Request(URL + self.path, data=data, method='POST', headers={
                        'Content-Type': self.headers['Content-Type'], 'Authorization': self.headers['Authorization']})
                    try:
                        with urllib.request.urlopen(forwarded, timeout=10) as response:
                            status, answer = response.status, response.read()
                    except urllib.error.HTTPError as error:
                        status, answer = error.code, error.read()
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class KojiPluginTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='tidings-koji-')
        self.spool_dir = os.path.join(self.dir, 'spool')
        self.koji = Koji()
        with open(os.path.join(self.dir, 'token'), 'w') as token:
            token.write(TOKEN + '\n')
        self.settings = self.configure(URL)
        tidings_koji.context._threadclear()

    def tearDown(self):
        sys.modules.pop('kojihub', None)
        tidings_koji.context._threadclear()
        shutil.rmtree(self.dir, ignore_errors=True)

    def configure(self, url, prefix=PREFIX, spool=None, tasks='scratch'):
        path = os.path.join(self.dir, 'tidings_koji.conf')
        with open(path, 'w') as config:
            config.write('\n'.join([
                '[gateway]', 'url = ' + url, 'token_file = ' + os.path.join(self.dir, 'token'), 'timeout = 5',
                '[messages]', 'topic_prefix = ' + prefix, 'instance = primary', 'tasks = ' + tasks,
                'base_url = https://koji.example.org', 'files_url = https://kojipkgs.example.org/',
                '[spool]', 'dir = ' + (spool or self.spool_dir), 'retry_interval = 0', '',
            ]))
        self.config_path = path
        self.settings = tidings_koji.configure(path)
        return self.settings

    def spool(self):
        return tidings_koji.Spool(self.spool_dir)

    def assert_spooled(self, messages):
        self.assertEqual([name.split('-', 1)[1][:-len('.json')] for name in self.spool().pending()], ids(messages))

    def test_every_event_of_a_committed_request_arrives_with_fedoras_topic_schema_and_body(self):
        koji = self.koji
        build, tag, user = koji.build(), koji.tag(), koji.user()
        task = koji.task(koji.scratch_request())
        build_tag = koji.tag('f41-build')
        repo = koji.repo(build_tag)
        repo_id = koji.new_id()
        queued = koji_request(
            koji.build_state_change(build), koji.task_state_change(task), koji.tagged(tag, build, user),
            koji.untagged(tag, build, user), koji.repo_init(build_tag, repo_id), koji.repo_done(repo))
        self.assertEqual(len(queued), 6)
        links = {'base_url': 'https://koji.example.org', 'instance': 'primary'}
        nvr = {'name': 'grep', 'version': '3.11', 'release': '1.fc41', 'build_id': build['id']}
        tagging = dict(links, tag=tag['name'], tag_id=tag['id'], user='bodhi', owner='jskarvad', **nvr)
        expected = [
            ('buildsys.build.state.change', 'koji_fedoramessaging.build.BuildStateChangeV1', 20, dict(
                links, files_base_url='https://kojipkgs.example.org/work', epoch=None, attribute='state', old=0, new=1,
                task_id=build['task_id'], task=None, request=[], owner='jskarvad',
                creation_time='2024-06-27T14:02:11.397820+00:00', completion_time='2024-06-27T17:40:53.160696+00:00',
                url='https://koji.example.org/koji/buildinfo?buildID=%d' % build['id'], **nvr)),
            ('buildsys.task.state.change', 'koji_fedoramessaging.task.TaskStateChangeV1', 20, None),
            ('buildsys.tag', 'koji_fedoramessaging.tag.TagV1', 10, tagging),
            ('buildsys.untag', 'koji_fedoramessaging.tag.UntagV1', 10, tagging),
            ('buildsys.repo.init', 'koji_fedoramessaging.repo.InitV1', 10,
             dict(links, tag='f41-build', tag_id=build_tag['id'], repo_id=repo_id)),
            ('buildsys.repo.done', 'koji_fedoramessaging.repo.DoneV1', 10,
             dict(links, tag='f41-build', tag_id=build_tag['id'], repo_id=repo['id'])),
        ]
        for message, (topic, schema, severity, body) in zip(queued, expected):
            stored = archived(message['id'])
            self.assertEqual(stored['topic'], PREFIX + '.' + topic)
            self.assertEqual(stored['headers'][SCHEMA], schema)
            self.assertEqual(stored['headers'][SEVERITY], severity)
            self.assertRegex(stored['headers']['sent-at'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$')
            self.assertTrue(stored['headers']['x-tidings-identity'], 'the gateway names the identity')
            if body is not None:
                self.assertEqual(stored['msg'], body)

        task_body = archived(queued[1]['id'])['msg']
        self.assertEqual({key: task_body[key] for key in ('id', 'method', 'attribute', 'old', 'new', 'srpm', 'owner')}, {
            'id': task['id'], 'method': 'build', 'attribute': 'state', 'old': 'OPEN', 'new': 'CLOSED',
            'srpm': 'khal-0.11.2-1.fc41.src.rpm', 'owner': None})  # without the hub at hand, no name for owner 3445
        info = task_body['info']
        self.assertEqual(info['url'], 'https://koji.example.org/koji/taskinfo?taskID=%d' % task['id'])
        self.assertEqual(info['request'], list(koji.scratch_request()))
        self.assertEqual((info['create_time'], info['completion_time']), (1717848486.0, 1717848721.0))
        self.assertFalse(set(tidings_koji.SCRUBBED_TASK_FIELDS) & set(info), 'the float fields Fedora drops')
        self.assertEqual((info['children'], info['result'], info['host_name']), ([], None, None))

        headers = archived(queued[2]['id'])['headers']
        self.assertEqual([headers.get(name) for name in ('fedora_messaging_user_bodhi', 'fedora_messaging_user_jskarvad',
                                                          'fedora_messaging_rpm_grep')], [True, True, True])
        self.assertEqual((self.spool().pending(), self.spool().rejected()), ([], []))

    def test_only_state_changes_of_the_top_tasks_of_scratch_builds_are_announced_unless_configured(self):
        koji = self.koji
        scratch = koji.task(koji.scratch_request())
        child = koji.task(['f41-build', 'x86_64'], parent=scratch['id'], method='buildArch')
        real = koji.task(('git+https://src.fedoraproject.org/rpms/grep.git#799f88f9', 'f41-candidate', {}))
        events = [koji.task_state_change(task) for task in (scratch, child, real)]
        events.append(koji.task_state_change(scratch, old=0.2, new=1.0, attribute='weight'))
        events.append(koji.build_state_change(koji.build(), old=0, new=1, attribute='volume_id'))
        self.assertEqual([message['body']['id'] for message in koji_request(*events, commit=False)], [scratch['id']])

        self.configure(URL, tasks='all')
        self.assertEqual([message['body']['id'] for message in koji_request(*events, commit=False)],
                         [scratch['id'], child['id'], real['id']])
        self.configure(URL, tasks='none')
        self.assertEqual(koji_request(*events, commit=False), [])

    def test_nothing_is_sent_for_a_request_koji_does_not_commit(self):
        relay = Relay()
        self.addCleanup(relay.close)
        self.configure(relay.url)
        koji = self.koji
        tag, build, user = koji.tag(), koji.build(), koji.user()
        self.assertEqual(len(koji_request(koji.tagged(tag, build, user), commit=False)), 1)
        if 'postAbort' in tidings_koji.CALLBACK_TYPES:  # without Koji; no hub has it yet
            tidings_koji.run_callbacks('postTag', **koji.tagged(tag, build, user)[1])
            tidings_koji.run_callbacks('postAbort')
            self.assertEqual(tidings_koji.queued_messages(), [])
        koji_request()  # the next request commits, with nothing of its own
        self.assertEqual((relay.seen, self.spool().pending()), ([], []))

    def test_an_unreachable_gateway_spools_and_the_next_commit_sends_the_backlog_first_in_order_once(self):
        koji = self.koji
        tag, user = koji.tag(), koji.user()
        builds = [koji.build(name) for name in ('grep', 'sed', 'gawk')]
        self.configure('http://127.0.0.1:%d' % closed_port())
        first = koji_request(koji.tagged(tag, builds[0], user), koji.untagged(tag, builds[0], user))
        second = koji_request(koji.build_state_change(builds[1]))
        self.assert_spooled(first + second)

        relay = Relay()
        self.addCleanup(relay.close)
        self.configure(relay.url)
        third = koji_request(koji.tagged(tag, builds[2], user))
        self.assertEqual(relay.seen, ids(first + second + third), 'oldest first, each once')
        self.assertEqual(self.spool().pending(), [])
        for message in first + second + third:
            self.assertEqual(archived(message['id'])['topic'], message['topic'])

    def test_a_503_or_a_429_keeps_the_message_until_the_gateway_takes_it(self):
        relay = Relay()
        self.addCleanup(relay.close)
        relay.script = [(503, {}, b'{"error": "the bus could not be reached"}'),
                        (429, {'Retry-After': '30'}, b'{"error": "over its rate"}')]
        settings = self.configure(relay.url)
        koji = self.koji
        queued = koji_request(koji.tagged(koji.tag(), koji.build(), koji.user()))
        self.assert_spooled(queued)
        self.assertEqual(tidings_koji.drain(settings, force=True), 1)  # the 429
        self.assert_spooled(queued)
        koji_request()  # a commit while the Retry-After runs leaves the gateway alone
        self.assertEqual(relay.seen, ids(queued) * 2)
        self.assertEqual(tidings_koji.drain(settings, force=True), 0)
        self.assertEqual(relay.seen, ids(queued) * 3)
        self.assertEqual(archived(queued[0]['id'])['msg']['name'], 'grep')

    def test_a_message_the_gateway_refuses_goes_to_rejected_with_the_reason_and_holds_nothing_back(self):
        koji = self.koji
        tag, build, user = koji.tag(), koji.build(), koji.user()
        down = 'http://127.0.0.1:%d' % closed_port()
        self.configure(down, prefix='org.fedoraproject.stg')  # not the identity's topics: a 403
        refused = koji_request(koji.tagged(tag, build, user))
        self.configure(down)
        taken = koji_request(koji.untagged(tag, build, user))
        settings = self.configure(URL)
        self.assertEqual(tidings_koji.drain(settings, force=True), 0)

        name = '000000000001-%s' % refused[0]['id']
        self.assertEqual(self.spool().rejected(), [name + '.json'])
        with open(os.path.join(self.spool_dir, 'rejected', name + '.reason')) as reason:
            self.assertRegex(reason.read(),
                             r'^HTTP 403: identity "[^"]+" may not publish "org\.fedoraproject\.stg\.buildsys\.tag"')
        self.assertEqual(archived(taken[0]['id'])['topic'], PREFIX + '.buildsys.untag')

    def test_two_processes_sending_one_spool_send_each_message_once_in_order(self):
        koji = self.koji
        tag, user = koji.tag(), koji.user()
        self.configure('http://127.0.0.1:%d' % closed_port())
        queued = []
        for _ in range(5):
            queued += koji_request(*[koji.tagged(tag, koji.build(), user) for _ in range(3)])
        self.assert_spooled(queued)

        relay = Relay(delay=0.02)
        self.addCleanup(relay.close)
        self.configure(relay.url)
        command = [sys.executable, os.path.join(HERE, 'tidings_koji.py'), '--config', self.config_path, 'flush']
        flushes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(3)]
        outputs = [flush.communicate(timeout=60)[0].decode() for flush in flushes]
        self.assertIn(0, [flush.returncode for flush in flushes], outputs)
        self.assertEqual(relay.seen, ids(queued), outputs)
        self.assertEqual(self.spool().pending(), [])
        last = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual((last.returncode, last.stdout.decode()), (0, '0 waiting, 0 rejected in %s\n' % self.spool_dir))

    def test_a_spool_that_cannot_be_written_sends_directly(self):
        not_a_directory = os.path.join(self.dir, 'file')
        open(not_a_directory, 'w').close()
        self.configure(URL, spool=not_a_directory)
        koji = self.koji
        with self.assertLogs('koji.plugin.tidings_koji', 'ERROR') as logs:
            queued = koji_request(koji.tagged(koji.tag(), koji.build(), koji.user()))
        self.assertIn('cannot write to the spool', logs.output[0])
        self.assertEqual(archived(queued[0]['id'])['topic'], PREFIX + '.buildsys.tag')

    def test_the_commit_callback_never_raises_into_koji(self):
        koji = self.koji
        self.configure('http://127.0.0.1:%d' % closed_port(), spool=os.path.join(self.dir, 'token', 'spool'))
        cbtype, kws = koji.tagged(koji.tag(), koji.build(), koji.user())
        tidings_koji.run_callbacks(cbtype, **kws)
        with self.assertLogs('koji.plugin.tidings_koji', 'ERROR'):
            self.assertIsNone(tidings_koji.send_queued('postCommit'))  # called as is, not through ignore_error

        # A hub without a configuration: the callbacks log and announce nothing.
        original = (tidings_koji.CONFIG_FILE, tidings_koji._settings)
        self.addCleanup(lambda: setattr(tidings_koji, '_settings', original[1]))
        self.addCleanup(lambda: setattr(tidings_koji, 'CONFIG_FILE', original[0]))
        tidings_koji.CONFIG_FILE, tidings_koji._settings = os.path.join(self.dir, 'missing.conf'), None
        with self.assertLogs('koji.plugin.tidings_koji', 'ERROR') as logs:
            self.assertEqual(koji_request(koji.tagged(koji.tag(), koji.build(), koji.user())), [])
        self.assertIn('tidings_koji is not configured, buildsys.tag not announced: cannot read', logs.output[0])

    def test_with_the_hub_at_hand_owners_task_details_and_requests_are_looked_up(self):
        koji = self.koji
        build = koji.build()
        del build['owner_name']  # as some Koji versions pass it: the owner's id only
        build['owner_id'] = 3445
        scratch = koji.task(koji.scratch_request())
        build_task = koji.task(('git+https://src.fedoraproject.org/rpms/grep.git#799f88f9', 'f41-candidate', {}),
                               id=build['task_id'])
        child = koji.task(['f41-build', 'x86_64'], parent=build_task['id'], method='buildArch')
        sys.modules['kojihub'] = fake_kojihub({build_task['id']: (build_task, [child]), scratch['id']: (scratch, [])})

        queued = koji_request(koji.build_state_change(build), koji.task_state_change(scratch))
        built = archived(queued[0]['id'])['msg']
        self.assertEqual(built['owner'], 'releng')
        self.assertEqual(built['request'], list(build_task['request']))
        self.assertEqual((built['task']['owner'], built['task']['host_name'], built['task']['result']),
                         ('releng', 'buildvm-x86-01.example.org', {'rpms': ['grep-3.11-1.fc41.noarch.rpm']}))
        self.assertEqual([(task['id'], task['method'], task['url']) for task in built['task']['children']],
                         [(child['id'], 'buildArch', 'https://koji.example.org/koji/taskinfo?taskID=%d' % child['id'])])
        self.assertEqual(archived(queued[1]['id'])['msg']['owner'], 'releng')


def fake_kojihub(tasks):
    """What the plugin asks of Koji's hub module: users, hosts, and tasks with results and children."""
    hub = types.ModuleType('kojihub')
    hub.get_user = lambda user_id: {'id': user_id, 'name': {3445: 'releng'}[user_id]}
    hub.get_host = lambda host_id: {'id': host_id, 'name': 'buildvm-x86-01.example.org'}

    class Task(object):
        def __init__(self, task_id):
            self.info, self.children = tasks.get(task_id, ({'id': task_id, 'method': 'buildArch'}, []))

        def getInfo(self, request=False):
            return dict(self.info)

        def getResult(self):
            return {'rpms': ['grep-3.11-1.fc41.noarch.rpm']}

        def getChildren(self):
            return [dict(child) for child in self.children]

    hub.Task = Task
    return hub


if __name__ == '__main__':
    unittest.main()
