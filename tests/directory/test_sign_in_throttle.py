"""Guessing passwords in the web UI gets nowhere: failed sign-ins are counted per account and per client
address, and once either is used up even the right password is refused (429 with Retry-After) until
the window has passed. Time is the fake clock's, so the tests fast-forward."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.kernel.clock import FakeClock
from onwatch.kernel.rate_limit import client_key
from tests.api_helpers import same_loop
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def site(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    set_passwords(onwatch.db, onwatch.clock, "amara", "lukas", "sofia")
    with TestClient(onwatch.api()) as site:  # the app's lifespan, as a server runs it
        yield site


def browser_at(site: TestClient, address: str) -> Browser:
    browser = Browser(site)
    browser.client = same_loop(site, {}, client=(address, 50_000))
    return browser


def refused_for(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert "Too many failed sign-ins" in response.text
    return int(response.headers["retry-after"])


def test_ten_wrong_passwords_lock_the_account_even_against_the_right_one_until_the_window_passes(
    site: TestClient, clock: FakeClock
) -> None:
    guesser = browser_at(site, "203.0.113.7")
    for n in range(10):
        assert guesser.sign_in("amara", f"guess number {n}").status_code == 401
    assert refused_for(guesser.sign_in("amara")) == 15 * 60  # the right password, refused
    # the account is locked from everywhere, not only for the guesser
    assert refused_for(browser_at(site, "198.51.100.20").sign_in("amara")) == 15 * 60
    assert browser_at(site, "198.51.100.20").sign_in("lukas").status_code == 303  # others still sign in
    clock.advance(timedelta(minutes=14))
    assert refused_for(guesser.sign_in("amara")) == 60
    clock.advance(timedelta(minutes=1))
    assert guesser.sign_in("amara").status_code == 303


def test_guessing_across_accounts_from_one_address_is_throttled_for_that_address(
    site: TestClient, clock: FakeClock
) -> None:
    guesser = browser_at(site, "203.0.113.9")
    people = ["amara", "lukas", "sofia", "nobody-1", "nobody-2", "nobody-3"]
    for n in range(30):  # five per account: no single account reaches its limit
        assert guesser.sign_in(people[n % len(people)], f"guess {n}").status_code == 401
    assert refused_for(guesser.sign_in("lukas")) == 15 * 60
    assert browser_at(site, "198.51.100.30").sign_in("lukas").status_code == 303  # from elsewhere: fine
    clock.advance(timedelta(minutes=15))
    assert guesser.sign_in("lukas").status_code == 303


def test_successful_sign_ins_are_never_throttled(site: TestClient) -> None:
    office = browser_at(site, "192.0.2.44")  # one address for a whole office
    for _ in range(40):
        assert office.sign_in("amara").status_code == 303


def test_ipv6_clients_are_counted_by_their_64_bit_prefix() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("192.0.2.1") == "192.0.2.1" and client_key(None) == "unknown"
