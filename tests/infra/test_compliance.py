"""cfn-lint and cdk-nag (AwsSolutions) on the synthesized app."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint_file

import infra.nag
from tests.infra.conftest import synthesize

# cfn-lint warnings we accept, each with its reason. Nothing else may be reported.
ACCEPTED_CFN_LINT = {
    # CDK writes DependsOn on a function's role and its default policy; the role is also
    # referenced by GetAtt. Redundant, harmless, and not ours to change.
    "W3005": "CDK-generated DependsOn duplicates a GetAtt dependency (function -> role)",
}


@pytest.mark.parametrize("which", ["service", "mail"])
def test_cfn_lint_finds_no_errors_and_only_accepted_warnings(synthesized, which):
    path = synthesized.template_path if which == "service" else synthesized.mail_template_path
    matches = lint_file(path, config=ManualArgs(regions=["eu-west-2"]))
    unexpected = [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches
                  if m.rule.id not in ACCEPTED_CFN_LINT]
    assert not unexpected, "\n".join(unexpected)


def _findings(report_path: Path) -> list[tuple[str, str]]:
    report = json.loads(report_path.read_text())
    return [(violation["ruleName"], construct["constructPath"])
            for plugin in report["pluginReports"] for violation in plugin["violations"]
            for construct in violation["violatingConstructs"]]


def _acknowledgements(outdir: Path) -> list[tuple[str, str, str]]:
    """(construct path, rule id, reason) of every acknowledgement in the assembly's metadata."""
    found = []
    for metadata_file in outdir.glob("*.metadata.json"):
        for path, entries in json.loads(metadata_file.read_text()).items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    found += [(path.lstrip("/"), rule, reason) for rule, reason in entry["data"].items()]
    return found


@pytest.fixture(scope="module")
def nagged(tmp_path_factory):
    """Synthesis with the AwsSolutions plugin: it fails on any finding not acknowledged."""
    outdir = tmp_path_factory.mktemp("cdk-nag")
    try:
        synthesize(outdir, nag=True)
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
        lines = [f"{rule} at {path}" for rule, path in _findings(outdir / "validation-report.json")]
        pytest.fail("cdk-nag findings without an acknowledgement:\n" + "\n".join(lines))
    return outdir


def test_cdk_nag_has_no_unacknowledged_findings(nagged):
    report = json.loads((nagged / "validation-report.json").read_text())
    assert all(plugin.get("conclusion") != "failure" for plugin in report["pluginReports"])
    assert not _findings(nagged / "validation-report.json")


def test_every_acknowledgement_has_a_reason_and_answers_a_real_finding(nagged, tmp_path, monkeypatch):
    acknowledgements = _acknowledgements(nagged)
    assert acknowledgements
    assert all(len(reason.strip()) > 20 for _, _, reason in acknowledgements)

    # The same app with every acknowledgement ignored: each one must cover a finding.
    real = infra.nag.Validations

    class Ignoring:
        def __init__(self, scope):
            self._real = real.of(scope)

        def acknowledge(self, *_rules):
            pass

        def add_plugins(self, *plugins):
            self._real.add_plugins(*plugins)

    monkeypatch.setattr(infra.nag, "Validations", type("Validations", (), {"of": staticmethod(Ignoring)}))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        synthesize(tmp_path, nag=True)
    findings = _findings(tmp_path / "validation-report.json")

    def answered(path: str, rule: str) -> bool:
        rule = rule.removeprefix(f"{infra.nag.PACK}::")
        return any(found_rule == rule and f"{found_path}/".startswith(f"{path}/")
                   for found_rule, found_path in findings)

    stale = [(path, rule) for path, rule, _ in acknowledgements if not answered(path, rule)]
    assert not stale, f"acknowledgements without a finding: {stale}"
