"""The gateway's pool of RPC proxies after the broker came back: its idle
proxies hold dead connections, and the first call to meet one is made again
on a new proxy instead of answering UNAVAILABLE (a mutation's request key
makes a second delivery harmless)."""
import pytest
from graphql import GraphQLError

from gateway import rpc


class FakeProxy:
    """Stands in for a standalone nameko proxy: ``service.method()`` answers
    until the broker connection it was made on is gone."""
    made = []

    def __init__(self, amqp_uri, timeout):
        self.dead = False
        FakeProxy.made.append(self)

    def start(self):
        return self

    def stop(self):
        pass

    def __getattr__(self, service):
        proxy = self

        class Service:
            def echo(self, value):
                if proxy.dead:
                    raise ConnectionResetError(104, "Connection reset by peer")
                return value
        return Service()


@pytest.fixture
def pool(monkeypatch):
    FakeProxy.made = []
    monkeypatch.setattr(rpc, "_Proxy", FakeProxy)
    return rpc.RpcPool(amqp_uri="amqp://nowhere", size=2, timeout=1)


def test_the_first_call_after_the_broker_came_back_is_made_on_a_new_proxy(pool):
    assert pool.call("organization", "echo", 1) == 1
    FakeProxy.made[0].dead = True  # the broker restarted under the idle proxy
    assert pool.call("organization", "echo", 2) == 2
    assert len(FakeProxy.made) == 2 and not FakeProxy.made[1].dead
    assert pool.call("organization", "echo", 3) == 3  # the new one stays in the pool
    assert len(FakeProxy.made) == 2


def test_a_new_proxy_that_fails_too_is_unavailable(pool, monkeypatch):
    assert pool.call("organization", "echo", 1) == 1
    FakeProxy.made[0].dead = True
    monkeypatch.setattr(FakeProxy, "__init__", lambda self, *a: setattr(self, "dead", True)
                        or FakeProxy.made.append(self))
    with pytest.raises(GraphQLError) as err:
        pool.call("organization", "echo", 2)
    assert err.value.extensions == {"code": "UNAVAILABLE"}
    assert len(FakeProxy.made) == 2  # one more try, not a loop
