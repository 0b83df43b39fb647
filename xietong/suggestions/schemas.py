"""API schemas of judicial suggestions: what the court sent, the answer and the effect; no person named.

The cases behind a suggestion are given to the court's staff only (`source_cases`: null for others)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class SuggestionOut(Schema):
    id: int
    number: str | None
    title: str
    court: str
    institution_id: int
    institution: str
    state: str
    state_label: str
    reply_deadline: dt.date
    overdue: bool
    signed_at: dt.datetime | None
    sent_at: dt.datetime | None
    served_at: dt.datetime | None
    answered_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    recommendations: int


class SuggestionListOut(Schema):
    count: int
    items: list[SuggestionOut]


class RecommendationOut(Schema):
    n: int
    text: str


class AnswerItemOut(Schema):
    n: int
    verdict: str
    verdict_label: str
    reason: str


class AnswerOut(Schema):
    actions: str
    answered_at: dt.datetime
    on_time: bool
    items: list[AnswerItemOut]
    attachments: int


class EffectOut(Schema):
    before_count: int
    before_n: int
    after_count: int | None
    after_n: int | None
    due_on: dt.date | None
    reviewed: bool


class SuggestionDetailOut(SuggestionOut):
    problems: str
    causes: str
    recommendation_texts: list[RecommendationOut]
    legal_basis: str
    copies_to: list[str]
    source_case_count: int
    source_cases: list[str] | None
    answer: AnswerOut | None
    effect: EffectOut | None
