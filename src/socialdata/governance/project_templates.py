"""Application templates, one per purpose, so every application asks the same questions in the same words and starts
from the same safe defaults (Five Safes: project, data, outputs)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApplicationTemplate:
    purpose: str
    title: str
    lay_summary_prompt: str
    public_benefit_prompt: str
    justification_prompt: str
    date_coarsening: str
    min_cell_count: int
    guidance: str


TEMPLATES: dict[str, ApplicationTemplate] = {
    t.purpose: t
    for t in (
        ApplicationTemplate(
            purpose="research",
            title="Research application",
            lay_summary_prompt="In plain English (no jargon, about 200 words): what question will you answer, using"
            " whose data, and why does it need linked health and care records?",
            public_benefit_prompt="Who will benefit, how, and when? How will you share findings with the public and"
            " the people whose data you use?",
            justification_prompt="Why this field is needed to answer the question, and why a coarser one would not do.",
            date_coarsening="month",
            min_cell_count=10,
            guidance="Research needs an article 9(2)(j) basis and applies the national data opt-out unless section"
            " 251 support exempts it. Name every researcher who will see the data; each needs valid training.",
        ),
        ApplicationTemplate(
            purpose="planning",
            title="Planning and commissioning application",
            lay_summary_prompt="In plain English: which service decision will this inform, for which population?",
            public_benefit_prompt="How will services for people in the city improve, and who takes the decision?",
            justification_prompt="Which planning measure needs this field, and why an aggregate would not do.",
            date_coarsening="month",
            min_cell_count=10,
            guidance="Planning uses pseudonymised data under the partners' public task; the national data opt-out"
            " applies. Outputs are aggregates only.",
        ),
        ApplicationTemplate(
            purpose="commercial",
            title="Industry partnership application",
            lay_summary_prompt="In plain English: what will the company develop or evaluate, and why does it need"
            " this city's data?",
            public_benefit_prompt="What does the NHS and the public get back (value terms, access to the product,"
            " published findings)?",
            justification_prompt="Why the product or evaluation needs this field; industry access is held to the"
            " strictest minimisation.",
            date_coarsening="year",
            min_cell_count=10,
            guidance="Industry access needs an active commercial agreement with value terms (NHS value sharing"
            " framework) and is listed as commercial on the public register. The national data opt-out applies.",
        ),
    )
}
