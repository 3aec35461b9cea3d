"""Glicko-2 (codincod-contract.md §9.2), as Mark Glickman's "Example of the Glicko-2 system"
describes it: ratings on the Glicko scale, converted to the Glicko-2 scale (÷ 173.7178) for
the update, the volatility solved with the Illinois procedure (ε = 10⁻⁶), τ = 0.5.

One call is one rating period for one player against the opponents' ratings as they stood
*before* the period (the caller snapshots them). Pure functions, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

RATING = 1500.0
RD = 350.0
VOLATILITY = 0.06
TAU = 0.5
EPSILON = 1e-6
SCALE = 173.7178


@dataclass(frozen=True)
class Rating:
    """A player's Glicko-2 state on the Glicko scale (1500 / 350 / 0.06 for a newcomer)."""

    rating: float = RATING
    rd: float = RD
    volatility: float = VOLATILITY


def _g(phi: float) -> float:
    return 1.0 / math.sqrt(1.0 + 3.0 * phi * phi / (math.pi * math.pi))


def _expected(mu: float, mu_j: float, phi_j: float) -> float:
    return 1.0 / (1.0 + math.exp(-_g(phi_j) * (mu - mu_j)))


def _volatility(phi: float, sigma: float, delta: float, v: float, tau: float) -> float:
    """Step 5: the new volatility σ′, by the Illinois procedure on f(x) = 0."""
    a = math.log(sigma * sigma)
    delta2, phi2 = delta * delta, phi * phi

    def f(x: float) -> float:
        ex = math.exp(x)
        return ex * (delta2 - phi2 - v - ex) / (2.0 * (phi2 + v + ex) ** 2) - (x - a) / (tau * tau)

    big_a = a
    if delta2 > phi2 + v:
        big_b = math.log(delta2 - phi2 - v)
    else:
        k = 1
        while f(a - k * tau) < 0:
            k += 1
        big_b = a - k * tau
    f_a, f_b = f(big_a), f(big_b)
    while abs(big_b - big_a) > EPSILON:
        big_c = big_a + (big_a - big_b) * f_a / (f_b - f_a)
        f_c = f(big_c)
        if f_c * f_b <= 0:
            big_a, f_a = big_b, f_b
        else:
            f_a /= 2.0
        big_b, f_b = big_c, f_c
    return math.exp(big_a / 2.0)


def rate(player: Rating, results: Sequence[tuple[Rating, float]], tau: float = TAU) -> Rating:
    """The player's rating after one period with ``results``: (opponent's pre-period rating,
    score 1 / 0.5 / 0). Without results only the deviation grows (step 6 alone)."""
    mu = (player.rating - RATING) / SCALE
    phi = player.rd / SCALE
    sigma = player.volatility
    if not results:
        return Rating(player.rating, min(math.sqrt(phi**2 + sigma**2) * SCALE, RD), sigma)
    v_inverse = 0.0
    improvement = 0.0
    for opponent, score in results:
        mu_j = (opponent.rating - RATING) / SCALE
        phi_j = opponent.rd / SCALE
        g = _g(phi_j)
        expected = _expected(mu, mu_j, phi_j)
        v_inverse += g * g * expected * (1.0 - expected)
        improvement += g * (score - expected)
    v = 1.0 / v_inverse
    delta = v * improvement
    sigma_new = _volatility(phi, sigma, delta, v, tau)
    phi_star = math.sqrt(phi * phi + sigma_new * sigma_new)
    phi_new = 1.0 / math.sqrt(1.0 / (phi_star * phi_star) + 1.0 / v)
    mu_new = mu + phi_new * phi_new * improvement
    return Rating(mu_new * SCALE + RATING, phi_new * SCALE, sigma_new)
