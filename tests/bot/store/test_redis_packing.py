"""The Redis store packs commands with hiredis: byte for byte what redis-py's own asyncio
packer sends, for every kind of argument the store (or redis-py itself) passes."""

from __future__ import annotations

import redis.asyncio as aioredis
from hypothesis import given
from hypothesis import strategies as st

from bot.store.redis_store import RedisStore, _PackingConnection

ARGUMENT = st.one_of(
    st.text(),  # any unicode, lone surrogates included
    st.binary(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
)
COMMAND = st.sampled_from(["EVALSHA", "HMGET", b"SET", "SCRIPT LOAD", b"CLIENT SETINFO"])


def packed(connection: aioredis.Connection, *args: object) -> bytes:
    return b"".join(bytes(chunk) for chunk in connection.pack_command(*args))


def connections() -> tuple[aioredis.Connection, aioredis.Connection]:
    options = {"encoding_errors": "replace"}  # as RedisStore configures its client
    return _PackingConnection(**options), aioredis.Connection(**options)


@given(COMMAND, st.lists(ARGUMENT, max_size=12))
def test_hiredis_packing_sends_what_redis_py_would(command: str | bytes,
                                                   args: list[object]) -> None:
    ours, theirs = connections()
    assert packed(ours, command, *args) == packed(theirs, command, *args)


def test_a_save_is_packed_by_hiredis_not_by_the_python_fallback() -> None:
    ours, theirs = connections()
    save = ("EVALSHA", "0" * 40, 3, "a", "b", "c", 0, "x" * 7000, 60, 60, 60, 30)
    # redis-py's packer sends a value this long as a piece of its own; hiredis packs one buffer.
    assert len(theirs.pack_command(*save)) > 1
    assert len(ours.pack_command(*save)) == 1


def test_every_url_scheme_gets_a_packing_connection_of_its_own_kind() -> None:
    for url, kind in (("redis://127.0.0.1:1/0", aioredis.Connection),
                      ("rediss://127.0.0.1:1/0", aioredis.SSLConnection),
                      ("unix:///tmp/nowhere.sock", aioredis.UnixDomainSocketConnection)):
        connection_class = RedisStore(url).client.connection_pool.connection_class
        assert issubclass(connection_class, kind), url
        assert connection_class.pack_command is _PackingConnection.pack_command, url
