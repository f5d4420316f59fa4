"""Secret-looking content is replaced by a placeholder naming its kind before it reaches the model."""

from __future__ import annotations

import pytest

from backdev.repo.redaction import placeholder, redact
from backdev.repo.safety import SafetyPolicy
from backdev.settings import Settings

# Fake values shaped like the real ones (none of them is a live credential).
EXAMPLES = {
    "anthropic-api-key": "key = sk-ant-api03-Zx8fQ2mN5pL0vR7tK3wY9bC1dE4gH6jA-_0123456789abcdefXYZ",
    "openai-api-key": "OPENAI=sk-proj-4fT9kLm2Qw8eRt5yUi1oPa3sDf6gHj7kLz0xCv",
    "aws-access-key": "aws_access_key_id AKIAIOSFODNN7EXAMPLE here",
    "aws-secret-key": "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "github-token": "token ghp_16C7e42F292c6912E7710c838347Ae178B4a and more",
    "gitlab-token": "GL glpat-xZ9yW8vU7tS6rQ5pO4nM3 end",
    "slack-token": "SLACK xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx",
    "slack-webhook": "post to https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX now",
    "stripe-key": "STRIPE sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "google-api-key": "maps AIzaSyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1v",
    "google-oauth": "client secret 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 here",
    "jwt": "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "private-key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x\nabcDEF==\n-----END RSA PRIVATE KEY-----",
    "url-password": "DATABASE_URL=postgres://app:s3cr3t-Pa55@db.internal:5432/shop",
    "password": 'PASSWORD = "hunter2-very-secret"',
    "secret-value": "SECRET_KEY = 'django-insecure-0a9s8d7f6g5h4j3k2l1'",
    "twilio-api-key": "twilio key SK" + "0a1b2c3d4e5f60718293a4b5c6d7e8f9" + " here",
    "sendgrid-api-key": "SG." + "aBcDeFgHiJkLmNoPqRsTuV" + "." + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_abcde",
    "npm-token": "//registry.npmjs.org/:_authToken=npm_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    "azure-key": "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=" + "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo=" + ";EndpointSuffix=core.windows.net",
    "huggingface-token": "HF hf_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH" + " end",
    "digitalocean-token": "do token dop_v1_" + "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "pypi-token": "password = pypi-AgEIcHlwaS5vcmc" + "CJDQ5ZDFiYjYtZjE0Ny00ZjQ2LWJkYzAtNzEwYjk2NjY0MDFhAAIqWzMsImRhY2YxZjUyIl0",
    "high-entropy-value": "WEBHOOK_CREDENTIAL = 'x7Gk2pQ9vL4mN8rT1wZ5bC3dF6hJ0sA'",
}

SECRET_PARTS = {
    "anthropic-api-key": "Zx8fQ2mN5pL0vR7tK3wY9bC1dE4gH6jA",
    "openai-api-key": "4fT9kLm2Qw8eRt5yUi1oPa3sDf6gHj7kLz0xCv",
    "aws-access-key": "AKIAIOSFODNN7EXAMPLE",
    "aws-secret-key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "github-token": "16C7e42F292c6912E7710c838347Ae178B4a",
    "gitlab-token": "xZ9yW8vU7tS6rQ5pO4nM3",
    "slack-token": "AbCdEfGhIjKlMnOpQrStUvWx",
    "slack-webhook": "XXXXXXXXXXXXXXXXXXXXXXXX",
    "stripe-key": "4eC39HqLyjWDarjtT1zdp7dc",
    "google-api-key": "SyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1v",
    "google-oauth": "1a2B3c4D5e6F7g8H9i0J1k2L3m4N",
    "jwt": "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "private-key": "MIIEowIBAAKCAQEA7x",
    "url-password": "s3cr3t-Pa55",
    "password": "hunter2-very-secret",
    "secret-value": "django-insecure-0a9s8d7f6g5h4j3k2l1",
    "twilio-api-key": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "sendgrid-api-key": "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    "npm-token": "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    "azure-key": "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo=",
    "huggingface-token": "aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH",
    "digitalocean-token": "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "pypi-token": "CJDQ5ZDFiYjYtZjE0Ny00ZjQ2LWJkYzAtNzEwYjk2NjY0MDFhAAIqWzMsImRhY2YxZjUy",
    "high-entropy-value": "x7Gk2pQ9vL4mN8rT1wZ5bC3dF6hJ0sA",
}


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_each_secret_kind_is_replaced_by_a_placeholder_naming_it(kind: str) -> None:
    result = redact(EXAMPLES[kind])
    assert SECRET_PARTS[kind] not in result.text
    assert placeholder(kind) in result.text
    assert result.kinds == (kind,)


def test_the_rest_of_the_text_is_kept() -> None:
    result = redact(EXAMPLES["url-password"])
    assert result.text == "DATABASE_URL=postgres://app:[REDACTED:url-password]@db.internal:5432/shop"
    assert redact(EXAMPLES["password"]).text == 'PASSWORD = "[REDACTED:password]"'
    assert redact(EXAMPLES["private-key"]).text == "[REDACTED:private-key]\n\n\n"  # line breaks kept


def test_other_private_key_blocks_and_a_cut_off_block() -> None:
    for label in ("OPENSSH PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK"):
        text = f"before\n-----BEGIN {label}-----\nAAAAB3NzaC1yc2E\n-----END {label}-----\nafter"
        assert redact(text).text == "before\n[REDACTED:private-key]\n\n\nafter"
    # A file cut by a read cap may hold only the start of a key: everything after BEGIN goes.
    assert redact("x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow").text == "x\n[REDACTED:private-key]\n"


def test_password_assignments_in_the_usual_syntaxes() -> None:
    cases = {
        "DATABASES = {'default': {'PASSWORD': 'p@ss-w0rd'}}": "'PASSWORD': '[REDACTED:password]'",
        'login(username="u", password="pw-123")': 'password="[REDACTED:password]"',
        '{"db_password": "abc123xyz"}': '"db_password": "[REDACTED:password]"',
        "DB_PASSWORD=hunter22": "DB_PASSWORD=[REDACTED:password]",
        "export API_TOKEN=abcdef123456": "export API_TOKEN=[REDACTED:secret-value]",
        "  password: hunter22  # yaml": "  password: [REDACTED:password]  # yaml",
    }
    for text, expected in cases.items():
        assert expected in redact(text).text, text


def test_code_that_only_names_a_password_is_left_alone() -> None:
    harmless = "\n".join([
        "password = os.environ['DB_PASSWORD']",
        "password = get_password()",
        "password: str",
        "password = settings.DB_PASSWORD",
        'password = ""',
        "password = '${DB_PASSWORD}'",
        "AUTH_PASSWORD_VALIDATORS = [",
        "Use sk-learn-compatible-estimators for this.",
        "user@example.com and https://example.com/path?x=1",
    ])
    result = redact(harmless)
    assert result.text == harmless and result.kinds == ()


def test_several_secrets_are_counted_and_redaction_is_idempotent() -> None:
    text = EXAMPLES["aws-access-key"] + "\n" + EXAMPLES["aws-access-key"] + "\n" + EXAMPLES["jwt"]
    result = redact(text)
    assert result.kinds == ("aws-access-key", "aws-access-key", "jwt")
    assert result.summary() == "aws-access-key ×2, jwt"
    assert redact(result.text).kinds == ()


def test_policy_follows_the_settings() -> None:
    text = EXAMPLES["github-token"]
    assert SafetyPolicy.from_settings(Settings()).clean(text).kinds == ("github-token",)
    loose = SafetyPolicy.from_settings(Settings(redact_secrets=False))
    assert loose.clean(text).text == text
    assert SafetyPolicy.from_settings(Settings()).is_secret(".env")
    assert not SafetyPolicy.from_settings(Settings(refuse_secret_files=False)).refuses(".env")
    assert SafetyPolicy.from_settings(Settings(secret_files=("*.sqlite3",))).is_secret("data/db.sqlite3")


def test_azure_shared_access_keys_keep_the_rest_of_the_connection_string() -> None:
    text = "Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=abcDEF123+/ghiJKL456mnoPQR789=;"
    result = redact(text)
    assert "abcDEF123" not in result.text and result.kinds == ("azure-key",)
    assert result.text.startswith("Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=")


@pytest.mark.parametrize(("line", "secret"), [
    ("+password: hunter22", "hunter22"),
    ("-DB_PASSWORD=old-secret-1", "old-secret-1"),
    ("+      POSTGRES_PASSWORD: s3cr3t", "s3cr3t"),
    ("+      - POSTGRES_PASSWORD=s3cr3t", "s3cr3t"),
    ("       - MYSQL_ROOT_PASSWORD=rootpw9", "rootpw9"),
    ("+export API_TOKEN=abcdef123456", "abcdef123456"),
])
def test_diff_and_patch_lines_are_redacted_as_the_same_lines_in_a_file(line: str, secret: str) -> None:
    result = redact(f"@@ -1,2 +1,2 @@\n{line}\n context\n")
    assert secret not in result.text and result.kinds


@pytest.mark.parametrize("harmless", [
    "version = '2024.10.1-rc1-build-0042'",
    "SHA256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'",
    "integrity: sha512-Lx0T4bPfn5GkPLjvD9hDwMDkLvH4x7aZ",
    "class_name = 'DjangoFilterBackendForOrders2024'",
    "url = 'https://example.com/api/v1/orders/12345'",
    "uuid = '123e4567-e89b-12d3-a456-426614174000'",
    "commit = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b'",
    "MIDDLEWARE_CLASS = 'AuthenticationMiddlewareV2'",
    "test_name = 'test_redaction_property_based_2'",
    # Look-alikes found on real code (bench/bench_redaction.py):
    "overview_max_tokens: 2000",
    "CHARS_PER_TOKEN = 4",
    '"csrfToken": "{% if request %}{{ csrf_token }}{% endif %}"',
    "https://www.youtube.com/watch?v=axRCBgbOJp8&list=PLmDLs7JbXWNjr5vyJhfGu69sowgIUl8z5",
    'b"data:SSDimaUgUHl0aG9uIQ=="',
    '"eq": "V2FyZWhvdXNlOjJjMGNiODAwLTU0N2ItNDM1ZS04Y2UwLTkyYTFiOTE1ZmFkMQ=="',
    "  password: String!",
    '"@octokit/auth-token": "^2.4.4",',
    'PASSWORD_FIELD = "password"',
    'ACCOUNT_SET_STAFF_PASSWORD = "account_set_staff_password"',
])
def test_look_alikes_of_code_hashes_ids_and_constants_are_left_alone(harmless: str) -> None:
    assert redact(harmless).kinds == ()


def test_private_key_body_lines_are_known_from_the_whole_file() -> None:
    from backdev.repo.redaction import private_key_line_ranges

    data = b"a\nb\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\nQUJD\n-----END RSA PRIVATE KEY-----\nc\n-----BEGIN PRIVATE KEY-----\nx\n"
    assert private_key_line_ranges(data) == [(3, 6), (8, 9)]
    assert private_key_line_ranges(b"no keys here\n") == []


def test_security_md_lists_every_kind_and_the_module_docstring_too() -> None:
    from pathlib import Path

    from backdev.repo import redaction

    kinds = {rule.kind for rule in redaction._rules()} | {"password", "secret-value"}
    security = (Path(__file__).resolve().parents[1] / "SECURITY.md").read_text(encoding="utf-8")
    for kind in kinds:
        assert f"`{kind}`" in security, kind
        assert kind in (redaction.__doc__ or ""), kind
