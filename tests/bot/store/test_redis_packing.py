"""Commands reach Redis packed by hiredis's C serializer, which redis-py (8.x) picks itself when
hiredis is installed, several times cheaper than its Python packer (benchmarks/RESULTS-http.md)."""

from __future__ import annotations

from redis.connection import HiredisRespSerializer

from bot.store.redis_store import RedisStore


def test_the_store_packs_commands_with_hiredis() -> None:
    connection = RedisStore("redis://127.0.0.1:1/0").client.connection_pool.make_connection()
    assert isinstance(connection._command_packer, HiredisRespSerializer)
    save = ("EVALSHA", "0" * 40, 3, "a", "b", "c", 0, "x" * 7000, 60, 60, 60, 30)
    # redis-py's Python packer sends a value this long as a piece of its own; hiredis, one buffer.
    assert len(connection.pack_command(*save)) == 1
