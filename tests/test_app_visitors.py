"""Visitors (jazzcore.app.visitors): tokens nobody guesses, work kept for a while and within
bounds, never dropped while a page of theirs is open."""

from __future__ import annotations

import base64
import time

from jazzcore.app.visitors import VisitorStore, is_token, new_token


def test_a_token_is_128_random_bits_in_a_url():
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    token = tokens.pop()
    assert len(base64.urlsafe_b64decode(token + "==")) == 16 and is_token(token)
    assert not is_token("../../etc/passwd") and not is_token("") and not is_token(None)


def test_a_visitor_is_found_by_token_and_only_by_it():
    store = VisitorStore()
    alice, bob = store.new(), store.new()
    alice.state["models"] = {"leadsheets": "alice's model"}
    assert store.find(alice.token) is alice and store.find(bob.token) is bob
    assert "models" not in bob.state
    assert store.find(new_token()) is None and store.find("A" * 22) is None


def test_idle_visitors_expire():
    store = VisitorStore(idle_s=0.2)
    visitor = store.new()
    store.seen(visitor, "session-1")
    assert store.find(visitor.token) is visitor
    time.sleep(0.3)
    assert store.find(visitor.token) is None


def test_the_store_keeps_the_most_recent_visitors_within_its_bounds():
    open_pages = {"page-of-0"}
    store = VisitorStore(lambda session_id: session_id in open_pages, max_visitors=3)
    visitors = [store.new() for _ in range(5)]
    store.seen(visitors[0], "page-of-0")  # visitor 0's page is open: kept however old
    for v in visitors[1:]:
        store.seen(v, f"closed-{v.token}")
    store.prune()
    kept = [v for v in visitors if store.find(v.token) is v]
    assert kept == [visitors[0], visitors[3], visitors[4]]


def test_the_store_lets_the_least_recent_work_go_over_its_memory_bound():
    store = VisitorStore(lambda session_id: False, max_bytes=3_000_000)
    visitors = [store.new() for _ in range(4)]
    for v in visitors:
        v.state["home_solo_wav"] = bytes(1_000_000)  # about a solo's audio each
        store.seen(v, None)
    store.prune()
    assert [store.find(v.token) is v for v in visitors] == [False, True, True, True]
    assert store.total_bytes() <= 3_000_000


def test_a_visitor_is_present_while_a_page_is_open_and_a_moment_after():
    open_pages = {"tab"}
    store = VisitorStore(lambda session_id: session_id in open_pages, grace_s=0.3)
    visitor = store.new()
    store.seen(visitor, "tab")
    assert visitor.present()
    open_pages.clear()  # the tab closed (or reloads)
    assert visitor.present()  # a reload comes back within the grace
    time.sleep(0.35)
    assert not visitor.present()
