"""Who may log in, and with which rights: the hook a scenario engine replaces.

The default :class:`PermissivePolicy` accepts any non-empty KSeF token and any verified
certificate, granting ``DEFAULT_PERMISSIONS`` in whatever context was requested;
:class:`ScenarioAuthPolicy` (what the app uses) adds the selected scenario's ``auth`` plan.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Protocol

from mock_ksef.crypto.xades import CertificateSubject
from mock_ksef.domain.auth.values import DEFAULT_PERMISSIONS, ContextId
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.scenario.model import Scenario
from mock_ksef.scenario.registry import ScenarioRegistry, UnknownScenario

BAD_TOKEN = "Nieprawidłowy token"


@dataclass(frozen=True)
class Verdict:
    """What a policy decided about a login: final status, rights and polls at 100."""

    status_code: int = 200
    details: tuple[str, ...] = ()
    permissions: tuple[str, ...] = DEFAULT_PERMISSIONS
    pending_polls: int = 0
    #: The scenario the login runs under, and its knobs (``None``: the settings).
    scenario: str = "natural"
    pending_seconds: float = 0.0
    operation_token_seconds: int | None = None
    access_token_seconds: int | None = None
    refresh_token_seconds: int | None = None


class AuthPolicy(Protocol):
    """Decides the outcome of a login (the hook a scenario engine replaces)."""

    def ksef_token(self, token: str, context: ContextId) -> Verdict:
        """The outcome of logging in to ``context`` with KSeF token ``token``."""
        ...

    def certificate(self, subject: CertificateSubject, context: ContextId) -> Verdict:
        """The outcome of logging in to ``context`` with a certificate of ``subject``."""
        ...


class PermissivePolicy:
    """Every non-empty token and every verified certificate gets the default rights."""

    def ksef_token(self, token: str, context: ContextId) -> Verdict:
        """Accept any non-empty token."""
        return Verdict() if token.strip() else Verdict(450, (BAD_TOKEN,), ())

    def certificate(self, subject: CertificateSubject, context: ContextId) -> Verdict:
        """Accept any subject."""
        return Verdict()


#: Details of each forced auth code when the scenario gives none (BRIEF 2.5, the spec's
#: ``AuthenticationOperationStatusResponse`` table).
AUTH_DEFAULT_DETAILS: dict[int, tuple[str, ...]] = {
    415: ("Brak przypisanych uprawnień",),
    425: ("Uwierzytelnienie i powiązane refresh tokeny zostały unieważnione przez użytkownika",),
    450: (BAD_TOKEN,),
    460: ("Niepoprawny certyfikat",),
    470: ("Próba wykorzystania metod autoryzacyjnych osoby zmarłej",),
    480: (
        "Podejrzenie incydentu bezpieczeństwa. Skontaktuj się z Ministerstwem Finansów "
        "przez formularz zgłoszeniowy.",
    ),
    550: ("Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie",),
}


class ScenarioAuthPolicy:
    """Choose the login's scenario and apply its ``auth`` plan on top of a natural policy.

    The scenario comes from ``ScenarioRegistry.select`` (header, binding, token, context,
    default). A failure the natural policy finds (e.g. an empty token) is kept; otherwise
    the plan's outcome, permissions, delay and token lifetimes apply.
    """

    def __init__(
        self, scenarios: ScenarioRegistry, header: str | None, natural: AuthPolicy | None = None
    ) -> None:
        self.scenarios = scenarios
        self.header = header or None
        self.natural: AuthPolicy = natural or PermissivePolicy()

    def _select(self, context: ContextId, token: str | None) -> Scenario:
        try:
            return self.scenarios.select(header=self.header, context=context.value, token=token)
        except UnknownScenario:
            raise ValidationFailed(
                f"X-Mock-Scenario: scenariusz '{self.header}' nie jest załadowany; "
                f"dostępne: {', '.join(self.scenarios.names())}."
            ) from None

    def ksef_token(self, token: str, context: ContextId) -> Verdict:
        """The natural verdict on ``token``, then the selected scenario's plan."""
        return self._apply(self._select(context, token), self.natural.ksef_token(token, context))

    def certificate(self, subject: CertificateSubject, context: ContextId) -> Verdict:
        """The natural verdict on ``subject``, then the selected scenario's plan."""
        scenario = self._select(context, None)
        return self._apply(scenario, self.natural.certificate(subject, context))

    @staticmethod
    def _apply(scenario: Scenario, natural: Verdict) -> Verdict:
        plan = scenario.auth
        verdict = natural
        if natural.status_code == 200:
            outcome = plan.outcome
            details = outcome.details
            if details is None:
                details = AUTH_DEFAULT_DETAILS.get(outcome.code, ())
            permissions = natural.permissions if plan.permissions is None else plan.permissions
            verdict = dataclasses.replace(
                natural,
                status_code=outcome.code,
                details=details,
                permissions=permissions if outcome.code == 200 else (),
            )
        return dataclasses.replace(
            verdict,
            scenario=scenario.name,
            pending_polls=plan.delay.polls,
            pending_seconds=plan.delay.seconds,
            operation_token_seconds=plan.operation_token_seconds,
            access_token_seconds=plan.access_token_seconds,
            refresh_token_seconds=plan.refresh_token_seconds,
        )
