"""Who may call what: every operation of the OpenAPI document, called with no token, a wrong
token, and a viewer's, a responder's and an admin's, against a real server on each database.

The expected answers are the table below, one row per operation (a new route without a row fails
the test): 401 (who are you?), 403 (not with this role), or `in` (let in: whatever the route then
answers, it is not about the caller's role; never a 5xx). A `#` starts a note. The ingest routes, heartbeats and health
answer anyone (their key is the credential); chat answers only a Slack signature, a Mattermost
command's token or Telegram's secret header, and the phone callbacks only Twilio's
(X-Twilio-Signature) or Vonage's (a JWT it signs): with a token alone, anyone's, they are 401.
"""

from __future__ import annotations

import pytest

from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from tests.e2e.conftest import Cli, Servers
from tests.e2e.demo_api import start_demo_api

pytestmark = pytest.mark.e2e

CALLERS = ("none", "wrong", "viewer", "responder", "admin")

MATRIX = """
method  path                                                        none  wrong  viewer  responder  admin
POST    /api/v1/alert-groups/{group_id}/incident                    401   401    403     in         in
POST    /api/v1/incidents                                           401   401    403     in         in
GET     /api/v1/incidents                                           401   401    in      in         in
GET     /api/v1/incidents/{incident_id}                             401   401    in      in         in
GET     /api/v1/incidents/{incident_id}/timeline                    401   401    in      in         in
POST    /api/v1/incidents/{incident_id}/state                       401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/resolve                     401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/reopen                      401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/status                      401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/severity                    401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/title                       401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/notes                       401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/roles/{role}/assign         401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/roles/{role}/engage         401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/roles/{role}/renounce       401   401    403     in         in
GET     /api/v1/incidents/{incident_id}/updates                     401   401    in      in         in
POST    /api/v1/incidents/{incident_id}/updates                     401   401    403     in         in
PUT     /api/v1/incidents/{incident_id}/updates/{update_id}         401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/public-title                401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/security                    401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/withhold                    401   401    403     in         in
POST    /api/v1/incidents/{incident_id}/disclose                    401   401    403     in         in
GET     /api/v1/incidents/{incident_id}/document                    401   401    in      in         in
PUT     /api/v1/incidents/{incident_id}/document                    401   401    403     in         in
GET     /api/v1/incidents/{incident_id}/document/versions           401   401    in      in         in
POST    /api/v1/incidents/{incident_id}/page                        401   401    403     in         in
POST    /api/v1/pages                                               401   401    403     in         in    # page a role without an incident
GET     /api/v1/incidents/{incident_id}/responders                  401   401    in      in         in
POST    /api/v1/incidents/{incident_id}/responders                  401   401    403     in         in    # someone who knows X, or a person
GET     /api/v1/incidents/{incident_id}/checklists                  401   401    in      in         in
POST    /api/v1/incidents/{incident_id}/checklists/{role}/{item}    401   401    403     in         in
POST    /api/v1/reports                                             401   401    403     in         in
GET     /api/v1/people                                              401   401    in      in         in
GET     /api/v1/people/{person_id}                                  401   401    in      in         in
GET     /api/v1/whoami                                              401   401    in      in         in    # who the token is, the server's public URL
GET     /api/v1/services                                            401   401    in      in         in
GET     /api/v1/config                                              401   401    403     403        in
POST    /api/v1/config                                              401   401    403     403        in
GET     /api/v1/tokens                                              401   401    403     403        in
POST    /api/v1/tokens                                              401   401    403     403        in
DELETE  /api/v1/tokens/{token_id}                                   401   401    403     403        in
GET     /api/v1/timers                                              401   401    403     403        in
POST    /api/v1/timers/{timer_id}/retry                             401   401    403     403        in
GET     /api/v1/oncall                                              401   401    in      in         in
GET     /api/v1/oncall/gaps                                         401   401    in      in         in
GET     /api/v1/schedules                                           401   401    in      in         in
GET     /api/v1/schedules/{schedule_id}                             401   401    in      in         in
GET     /api/v1/schedules/{schedule_id}/shifts                      401   401    in      in         in
GET     /api/v1/schedules/{schedule_id}/overrides                   401   401    in      in         in
POST    /api/v1/schedules/{schedule_id}/overrides                   401   401    403     in         in
DELETE  /api/v1/schedules/{schedule_id}/overrides/{override_id}     401   401    403     in         in
POST    /api/v1/handoffs                                            401   401    403     in         in
GET     /api/v1/handoffs                                            401   401    in      in         in
GET     /api/v1/handoffs/report                                     401   401    in      in         in
POST    /api/v1/schedules/{schedule_id}/feeds                       401   401    in      in         in
POST    /api/v1/people/{person_id}/feeds                            401   401    in      403        in
POST    /api/v1/people/{person_id}/contact-methods/test             401   401    403     in         in    # a responder's own; 'Not allowed' for others'
DELETE  /api/v1/feeds/{feed_id}                                     401   401    in      in         in   # viewers revoke their own; only the owner or an admin any (a 403 of the rule)
GET     /api/v1/alert-groups                                        401   401    in      in         in
GET     /api/v1/alert-groups/{group_id}                             401   401    in      in         in
POST    /api/v1/alert-groups/{group_id}/acknowledge                 401   401    403     in         in
POST    /api/v1/alert-groups/{group_id}/resolve                     401   401    403     in         in
GET     /api/v1/alert-groups/{group_id}/feedback                    401   401    in      in         in
POST    /api/v1/alert-groups/{group_id}/feedback                    401   401    403     in         in
GET     /api/v1/follow-ups                                          401   401    in      in         in
GET     /api/v1/follow-ups/{follow_up_id}                           401   401    in      in         in
POST    /api/v1/follow-ups/{follow_up_id}/close                     401   401    403     in         in
POST    /api/v1/alert-groups/{group_id}/escalate                    401   401    403     in         in
POST    /api/v1/alert-groups/{group_id}/page                        401   401    403     in         in
POST    /api/v1/alert-groups/{group_id}/attach                      401   401    403     in         in
POST    /api/v1/services/{service_id}/maintenance                   401   401    403     in         in
GET     /api/v1/maintenance                                         401   401    in      in         in
DELETE  /api/v1/maintenance/{window_id}                             401   401    403     in         in
POST    /api/v1/integrations/alertmanager/{key}                     in    in     in      in         in
POST    /api/v1/integrations/generic/{key}                          in    in     in      in         in
GET     /api/v1/integrations                                        401   401    403     403        in
POST    /v2/enqueue                                                 in    in     in      in         in
POST    /api/v1/heartbeats/{key}                                    in    in     in      in         in
POST    /v2/change/enqueue                                          in    in     in      in         in    # its routing_key is the credential
POST    /api/v1/changes                                             401   401    403     in         in
GET     /api/v1/changes                                             401   401    in      in         in
GET     /api/v1/incidents/{incident_id}/changes                     401   401    in      in         in
GET     /api/v1/runbooks                                            401   401    in      in         in
POST    /api/v1/chat/slack/commands                                 401   401    401     401        401
POST    /api/v1/chat/mattermost/commands                            401   401    401     401        401   # the slash command's token, not an API token
POST    /api/v1/chat/telegram                                       401   401    401     401        401   # X-Telegram-Bot-Api-Secret-Token
POST    /api/v1/chat/twilio/sms                                     401   401    401     401        401   # signed by X-Twilio-Signature, not a token
POST    /api/v1/chat/twilio/voice/{token}                           401   401    401     401        401   # the same signature, and the page's signed token
POST    /api/v1/chat/twilio/voice/{token}/key                       401   401    401     401        401
POST    /api/v1/chat/vonage/voice/{token}                           401   401    401     401        401   # a JWT Vonage signs (Authorization), never an API token
POST    /api/v1/chat/vonage/voice/{token}/key                       401   401    401     401        401
POST    /api/v1/slo/samples                                         401   401    403     in         in
GET     /api/v1/services/{service_id}/slo                           401   401    in      in         in
GET     /api/v1/reviews                                             401   401    in      in         in
GET     /api/v1/reviews/{review_id}                                 401   401    in      in         in
GET     /api/v1/reviews/{review_id}/versions                        401   401    in      in         in
GET     /api/v1/incidents/{incident_id}/review                      401   401    in      in         in
POST    /api/v1/incidents/{incident_id}/review                      401   401    403     in         in
PUT     /api/v1/reviews/{review_id}/sections                        401   401    403     in         in
POST    /api/v1/reviews/{review_id}/start                           401   401    403     in         in
POST    /api/v1/reviews/{review_id}/submit                          401   401    403     in         in
POST    /api/v1/reviews/{review_id}/complete                        401   401    403     in         in
POST    /api/v1/reviews/{review_id}/reopen                          401   401    403     in         in
POST    /api/v1/reviews/{review_id}/owner                           401   401    403     in         in
POST    /api/v1/reviews/{review_id}/timeline/{event_id}             401   401    403     in         in
POST    /api/v1/reviews/{review_id}/actions                         401   401    403     in         in
GET     /api/v1/corrective-actions                                  401   401    in      in         in
PATCH   /api/v1/corrective-actions/{action_id}                      401   401    403     in         in
POST    /api/v1/near-misses                                         401   401    403     in         in
GET     /api/v1/search                                              401   401    in      in         in
GET     /api/v1/incidents/{incident_id}/similar                     401   401    in      in         in
GET     /api/v1/reports/response                                    401   401    in      in         in
GET     /api/v1/reports/load                                        401   401    in      in         in
GET     /api/v1/reports/noise                                       401   401    in      in         in
GET     /api/v1/reports/learning                                    401   401    in      in         in
GET     /api/v1/reports/slo                                         401   401    in      in         in
GET     /healthz                                                    in    in     in      in         in
GET     /readyz                                                     in    in     in      in         in
"""


def expected() -> dict[tuple[str, str], dict[str, str]]:
    header, *rows = [line.split("#")[0].split() for line in MATRIX.strip().splitlines()]
    assert header == ["method", "path", *CALLERS]
    return {(method, path): dict(zip(CALLERS, answers, strict=True)) for method, path, *answers in rows}


def outcome(status: int, title: str) -> str:
    """401, 403 when the caller's role is refused, else `in` (a rule of the process refusing
    this person, "only the owner resolves", is a 403 with its own title: the caller was let in)."""
    if status == 401 or status >= 500 or (status == 403 and title == "Forbidden"):
        return str(status)
    return "in"


def test_every_operation_answers_each_caller_as_the_table_says(
    cli: Cli, server: Servers, db: Database, org: OnwatchConfig
) -> None:
    api = start_demo_api(cli, server, db)
    table = expected()
    document = api.document()
    operations = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert operations - set(table) == set(), "operations without a row in MATRIX"
    assert set(table) - operations == set(), "rows in MATRIX for operations that no longer exist"
    tokens = {"none": None, "wrong": "onw_not-a-token-anyone-has", **api.tokens}
    wrong: list[str] = []
    for method, template in sorted(table):
        path = template
        for name, value in api.ids.items():
            path = path.replace("{" + name + "}", value)
        for caller in CALLERS:
            with api.client(tokens[caller]) as client:
                answer = client.request(method, path, json={} if method in ("POST", "PUT") else None)
            is_problem = answer.headers.get("content-type") == "application/problem+json"
            got = outcome(answer.status_code, answer.json().get("title", "") if is_problem else "")
            if got != table[method, template][caller]:
                wrong.append(f"{method} {template} as {caller}: {answer.status_code} {answer.text[:120]}")
    assert wrong == [], "\n".join(wrong)
