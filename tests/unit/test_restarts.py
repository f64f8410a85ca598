"""`make run` starts again what exits (tools/platform.py): the wait before
each start, and the supervisor that applies it to real processes."""
import signal
import sys
import time

import pytest

from tools.platform import Platform, RestartPolicy, Supervisor, describe_exit


def test_the_wait_doubles_while_a_process_keeps_exiting_up_to_thirty_seconds():
    policy = RestartPolicy()
    assert [policy.delay(uptime=2) for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_process_that_stayed_up_a_while_waits_one_second_again():
    policy = RestartPolicy(settled=60)
    for _ in range(4):
        policy.delay(uptime=1)
    assert policy.delay(uptime=60) == 1
    assert policy.delay(uptime=59) == 2  # the count starts anew from that one


def test_a_crash_loop_of_many_exits_stays_at_the_longest_wait():
    policy = RestartPolicy(first=0.5, longest=10)
    waits = [policy.delay(uptime=0) for _ in range(2000)]
    assert waits[:4] == [0.5, 1, 2, 4] and set(waits[5:]) == {10}


@pytest.mark.parametrize("code, words", [
    (3, "exit code 3"), (0, "exit code 0"), (-signal.SIGKILL, "killed by SIGKILL"),
    (-signal.SIGSEGV, "killed by SIGSEGV"), (-99, "killed by signal 99"),
])
def test_an_exit_is_described_by_its_code_or_its_signal(code, words):
    assert describe_exit(code) == words


class _Failing(Platform):
    """A platform whose one "service" is a process that prints a line and
    exits with 3 each time it is started."""

    def restart(self, name):
        self.restarts.append(name)
        self._spawn(name, [sys.executable, "-c",
                           "print('cannot reach the broker'); raise SystemExit(3)"], {})


def _wait_dead(platform, name):
    deadline = time.monotonic() + 30
    while name not in platform.dead():
        assert time.monotonic() < deadline, f"{name} did not exit"
        time.sleep(0.05)


def test_a_process_that_exits_is_started_again_after_the_wait_saying_why(tmp_path):
    platform = _Failing(tmp_path, secret="s")
    platform.restarts = []
    said = []
    supervisor = Supervisor(platform, out=said.append)
    platform.restart("study")  # the first start
    supervisor.started["study"] = 0.0
    _wait_dead(platform, "study")

    supervisor.tick(now=10.0)
    assert len(said) == 1
    assert "study exited (exit code 3) after 10 s; starting it again in 1 s" in said[0]
    assert "cannot reach the broker" in said[0]  # the end of its log
    supervisor.tick(now=10.5)
    assert platform.restarts == ["study"] and len(said) == 1  # not yet, and said once

    supervisor.tick(now=11.0)
    assert platform.restarts == ["study", "study"]
    _wait_dead(platform, "study")
    supervisor.tick(now=11.5)
    assert "starting it again in 2 s" in said[1]  # it keeps exiting: a longer wait
    supervisor.tick(now=13.4)
    assert platform.restarts == ["study", "study"]
    supervisor.tick(now=13.5)
    assert platform.restarts == ["study", "study", "study"]
    _wait_dead(platform, "study")


def test_the_rest_of_the_platform_is_left_alone(tmp_path):
    platform = _Failing(tmp_path, secret="s")
    platform.restarts = []
    platform._spawn("organization", [sys.executable, "-c", "import time; time.sleep(60)"], {})
    platform.restart("study")
    supervisor = Supervisor(platform, out=lambda _: None)
    try:
        _wait_dead(platform, "study")
        supervisor.tick(now=0.0)
        supervisor.tick(now=1.0)
        assert platform.restarts == ["study", "study"]
        assert platform.procs["organization"].poll() is None
    finally:
        platform.stop()
