"""The routing kernel, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from clinicdesk.inbox.routing import (
    FALLBACK_POOL,
    ORDERING,
    POOL,
    PRIMARY_TEAM,
    USER,
    Context,
    Item,
    Pending,
    Rule,
    Span,
    Target,
    decide,
    escalations,
    resolve_delegate,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DR_A, DR_B = 10, 11  # practitioner ids
ALICE, BOB, CAROL, DAVE, NURSE = 1, 2, 3, 4, 5  # user ids

CTX = Context(
    pools={"front_desk": frozenset({ALICE}), "billing": frozenset({BOB}), "nurses_a": frozenset({NURSE}),
           "nurses": frozenset({NURSE, CAROL})},
    practitioner_users={DR_A: CAROL, DR_B: DAVE},
    practitioner_teams={DR_A: "nurses_a"},
)

RULES = [
    Rule(Target(POOL, "billing"), category="billing_question", sla_minutes=60, escalation=Target(USER, str(ALICE))),
    Rule(Target(PRIMARY_TEAM), category="refill_request", sla_minutes=240),
    Rule(Target(ORDERING), category="results"),
    Rule(Target(PRIMARY_TEAM)),
]


def away(user: int, delegate: int | None, start: datetime = NOW - HOUR, end: datetime = NOW + HOUR) -> Span:
    return Span(user_id=user, delegate_id=delegate, start=start, end=end)


def with_(**changes: Any) -> Context:
    return replace(CTX, **changes)


def test_category_rules_in_order() -> None:
    billing = decide(Item("billing_question", primary_practitioner_id=DR_A), RULES, CTX, NOW)
    assert (billing.assignee_user, billing.pool, billing.rule_index) == (None, "billing", 0)
    assert billing.escalate_at == NOW + HOUR

    refill = decide(Item("refill_request", primary_practitioner_id=DR_A), RULES, CTX, NOW)
    assert (refill.assignee_user, refill.pool, refill.rule_index) == (None, "nurses_a", 1)


def test_first_matching_rule_wins_and_order_matters() -> None:
    rules = [Rule(Target(POOL, "nurses"), category="refill_request"), *RULES]
    assert decide(Item("refill_request", primary_practitioner_id=DR_A), rules, CTX, NOW).pool == "nurses"


def test_primary_practitioner_without_team_goes_to_their_login() -> None:
    decision = decide(Item("refill_request", primary_practitioner_id=DR_B), RULES, CTX, NOW)
    assert (decision.assignee_user, decision.pool, decision.rule_index) == (DAVE, None, 1)


def test_results_to_ordering_practitioner_and_critical_flag_makes_urgent() -> None:
    decision = decide(Item("results", ordering_practitioner_id=DR_B, critical=True), RULES, CTX, NOW)
    assert (decision.assignee_user, decision.rule_index, decision.priority) == (DAVE, 2, "urgent")
    assert any("critical" in reason for reason in decision.reasons)
    assert decide(Item("results", priority="critical", critical=True), RULES, CTX, NOW).priority == "critical"
    assert decide(Item("results", ordering_practitioner_id=DR_B), RULES, CTX, NOW).priority == "routine"


def test_results_without_ordering_practitioner_fall_through_to_primary() -> None:
    decision = decide(Item("results", primary_practitioner_id=DR_A), RULES, CTX, NOW)
    assert (decision.pool, decision.rule_index) == ("nurses_a", 3)
    assert any("rule 3 matched but skipped" in reason for reason in decision.reasons)


def test_fallback_when_nothing_applies() -> None:
    decision = decide(Item("something_else"), RULES, CTX, NOW)
    assert (decision.assignee_user, decision.pool, decision.rule_index) == (None, FALLBACK_POOL, None)
    assert decide(Item("x"), [], Context(), NOW).pool == FALLBACK_POOL


def test_unknown_pool_and_inactive_rule_are_skipped() -> None:
    rules = [Rule(Target(POOL, "gone"), category="billing_question"),
             Rule(Target(POOL, "nurses"), category="billing_question", active=False), *RULES]
    assert decide(Item("billing_question"), rules, CTX, NOW).pool == "billing"


def test_location_and_priority_criteria() -> None:
    rules = [Rule(Target(POOL, "nurses"), location_id=7), Rule(Target(POOL, "billing"), priority="urgent")]
    assert decide(Item("x", location_id=7), rules, CTX, NOW).pool == "nurses"
    assert decide(Item("x", location_id=8), rules, CTX, NOW).pool == FALLBACK_POOL
    assert decide(Item("x", location_id=8, critical=True), rules, CTX, NOW).pool == "billing"


def test_absent_user_delegated_along_a_chain() -> None:
    ctx = with_(absences=[away(DAVE, CAROL), away(CAROL, ALICE)])
    decision = decide(Item("results", ordering_practitioner_id=DR_B), RULES, ctx, NOW)
    assert decision.assignee_user == ALICE
    assert any("delegated to user 3" in r for r in decision.reasons)


def test_absence_outside_its_span_is_ignored() -> None:
    ctx = with_(absences=[away(DAVE, CAROL, start=NOW + HOUR, end=NOW + 2 * HOUR),
                          away(DAVE, ALICE, start=NOW - 2 * HOUR, end=NOW)])  # end is exclusive
    assert decide(Item("results", ordering_practitioner_id=DR_B), RULES, ctx, NOW).assignee_user == DAVE


def test_delegation_cycle_falls_through_to_next_rule() -> None:
    ctx = with_(absences=[away(DAVE, CAROL), away(CAROL, DAVE)])
    assert resolve_delegate(DAVE, ctx, NOW)[0] is None
    assert "cycle" in resolve_delegate(DAVE, ctx, NOW)[1][-1]
    decision = decide(Item("results", ordering_practitioner_id=DR_B, primary_practitioner_id=DR_A), RULES, ctx, NOW)
    assert (decision.pool, decision.rule_index) == ("nurses_a", 3)
    assert any("cycle" in r for r in decision.reasons)
    only_dave = decide(Item("results", ordering_practitioner_id=DR_B), RULES, ctx, NOW)
    assert only_dave.pool == FALLBACK_POOL


def test_self_delegation_and_away_without_delegate() -> None:
    assert resolve_delegate(DAVE, with_(absences=[away(DAVE, DAVE)]), NOW)[0] is None
    assert resolve_delegate(DAVE, with_(absences=[away(DAVE, None)]), NOW)[0] is None


def test_on_call_takes_the_pool_and_is_delegated_too() -> None:
    on_call = [Span(user_id=CAROL, key="nurses_a", start=NOW - HOUR, end=NOW + HOUR)]
    decision = decide(Item("refill_request", primary_practitioner_id=DR_A), RULES, with_(on_call=on_call), NOW)
    assert (decision.assignee_user, decision.pool) == (CAROL, "nurses_a")
    delegated = decide(Item("refill_request", primary_practitioner_id=DR_A), RULES,
                       with_(on_call=on_call, absences=[away(CAROL, NURSE)]), NOW)
    assert delegated.assignee_user == NURSE
    later = decide(Item("refill_request", primary_practitioner_id=DR_A), RULES, with_(on_call=on_call), NOW + HOUR)
    assert (later.assignee_user, later.pool) == (None, "nurses_a")
    unreachable = decide(Item("refill_request", primary_practitioner_id=DR_A), RULES,
                         with_(on_call=on_call, absences=[away(CAROL, None)]), NOW)
    assert (unreachable.assignee_user, unreachable.pool) == (None, "nurses_a")


def test_sla_counts_from_creation() -> None:
    decision = decide(Item("refill_request", primary_practitioner_id=DR_A, created_at=NOW - HOUR), RULES, CTX, NOW)
    assert decision.escalate_at == NOW + 3 * HOUR


def test_escalations() -> None:
    items = [
        Pending(1, "new", NOW - timedelta(minutes=5), Target(USER, str(ALICE))),
        Pending(2, "in_progress", NOW - HOUR),  # picked up
        Pending(3, "new", NOW + HOUR),  # not due yet
        Pending(4, "new", NOW - HOUR, escalated=True),  # already escalated
        Pending(5, "new", None),  # no SLA
        Pending(6, "new", NOW),  # due exactly now, no target: fallback
    ]
    found = escalations(items, NOW)
    assert [(e.item_id, e.target) for e in found] == [(1, Target(USER, str(ALICE))), (6, Target(POOL, FALLBACK_POOL))]
    assert "5 min late" in found[0].reason


def test_escalation_to_an_unresolvable_target_goes_to_fallback() -> None:
    items = [Pending(1, "new", NOW - HOUR, Target(POOL, "gone")),
             Pending(2, "new", NOW - HOUR, Target(USER, str(DAVE)))]
    ctx = with_(absences=[away(DAVE, CAROL), away(CAROL, DAVE)])
    assert [e.target for e in escalations(items, NOW, ctx)] == [Target(POOL, FALLBACK_POOL)] * 2
