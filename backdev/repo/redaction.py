"""Secret-looking content is replaced by `[REDACTED:<kind>]` before anything reaches the model.

Each kind is one regular expression; the part that is the secret (a whole token, or only the value
of an assignment, or only the password of a URL) is replaced, so the model still sees the shape of
the code around it. The rules favour catching secrets over sparing look-alikes, but leave alone
what is plainly code and not a value: `password = os.environ[...]`, `password = get_password()`,
`password: str`, empty strings, `${VARIABLE}` and `{{ template }}` forms, numbers assigned to
token-ish names (`max_tokens: 4096`), versions, GraphQL types (`password: String!`) and constants
that name themselves (`PASSWORD_FIELD = "password"`).

Kinds: anthropic-api-key, openai-api-key, aws-access-key, aws-secret-key, github-token,
gitlab-token, slack-token, slack-webhook, stripe-key, google-api-key, google-oauth, jwt,
twilio-api-key, sendgrid-api-key, npm-token, azure-key (AccountKey=, SharedAccessKey= in
connection strings), huggingface-token, digitalocean-token, pypi-token, private-key,
url-password, password, secret-value, high-entropy-value.

Assignments are found on their own lines and in diffs alike: a line may start with a diff's `+`
or `-`, and with a YAML list dash (`- POSTGRES_PASSWORD=x` in a compose file), before the name.

`high-entropy-value` is the catch-all for a secret of no known shape assigned to any name: a
value of 20 to 512 characters from the base64 alphabet that mixes upper case, lower case and at
least two digits, is not mostly words (camel-case names are), is random enough (Shannon entropy
at least 0.8 × log2 of its length), is not base64 of readable text (GraphQL ids), and is not
assigned to a name that holds hashes, ids or versions. Measured on real code (bench/bench_redaction.py), it flags very few look-alikes.

A private key block is one match from BEGIN to END. Lines seen without their BEGIN line (a read
from the middle of a file, a search match) are recognised from the whole file instead:
`private_key_line_ranges` gives the lines of every block, and the readers mask those lines.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass

PLACEHOLDER_PREFIX = "[REDACTED:"

# Names whose value is a password (kind `password`) or another secret (kind `secret-value`).
_PASSWORD_WORDS = r"passw(?:or)?d|passphrase|pwd"
_SECRET_WORDS = r"secret|token|api_?key|access_?key|private_?key|auth_?key"
_NAME = rf"[A-Za-z0-9_]*(?:{_PASSWORD_WORDS}|{_SECRET_WORDS})[A-Za-z0-9_]*"
_IS_PASSWORD_NAME = re.compile(_PASSWORD_WORDS, re.IGNORECASE)

# Values that are not secrets but references to one: templates and placeholders...
_TEMPLATE = r"\$\{?\w+\}?|\{\{.*\}\}|%\(\w+\)s|<[^>]*>|\*+|x+|\.\.\."
_NOT_A_QUOTED_VALUE = re.compile(rf"^(?:{_TEMPLATE})$|\{{\{{.*\}}\}}|\{{%.*%\}}", re.IGNORECASE)
# ...and, unquoted, code: types, constants and dotted names (`password: str`, `= settings.DB_PASSWORD`).
_NOT_A_BARE_VALUE = re.compile(
    rf"^(?:{_TEMPLATE}|none|null|nil|true|false|str|int|bytes|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|"
    r"(?:String|Int|Float|Boolean|ID|UUID|JSONString|DateTime)!?)$",  # GraphQL schema types
    re.IGNORECASE,
)
_VERSION = re.compile(r"^[\^~>=<]*v?\d+(?:\.\d+)+[\w.-]*$")  # `"@octokit/auth-token": "^2.4.4"`


# A line's start, before an assignment: a diff's `+`/`-`, indentation, a YAML list dash, `export`.
_LINE_START = r"^[+-]?[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?"
# Names whose values are hashes, ids, versions or code, never secrets (for high-entropy-value).
_NOT_SECRET_NAME = re.compile(
    r"(?i)(?:hash|sha\d*|md5|checksum|digest|integrity|etag|uuid|guid|commit|revision|version|_id$|^id$|"
    r"class|module|path|url|uri|file|name|type|format|pattern|regex|template|test|^data$|^list$)")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_WORDS = re.compile(r"[a-z]{4,}|[A-Z][a-z]{3,}")


def _looks_random(value: str) -> bool:
    """True for a value shaped like a generated secret (see `high-entropy-value` above)."""
    if len(value) < 20 or not (re.search(r"[a-z]", value) and re.search(r"[A-Z]", value)):
        return False
    if sum(c.isdigit() for c in value) < 2:
        return False
    if sum(len(w) for w in _WORDS.findall(value)) > 0.4 * len(value):
        return False  # mostly words: a CamelCase name, a slug, a sentence
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 0.8 * math.log2(len(value)) and not _encoded_text(value)


def _encoded_text(value: str) -> bool:
    """True when `value` is base64 of readable text (a GraphQL id such as `V2FyZWhvdXNlOj…`), not of key bytes."""
    import base64  # only for a value that looks like base64
    import binascii

    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_" if "-" in value or "_" in value else None,
                                   validate=True)
    except (binascii.Error, ValueError):
        return False
    printable = sum(32 <= byte < 127 for byte in decoded)
    return bool(decoded) and printable >= 0.95 * len(decoded)


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    group: int = 0  # the group that is the secret (0: the whole match)
    kind_from_name: bool = False  # `password` or `secret-value` depending on group 1
    not_a_value: re.Pattern[str] | None = None  # values that are left alone
    check: object = None  # a callable (name, value) -> bool that must hold for a match to count


@functools.cache
def _rules() -> tuple[_Rule, ...]:
    """The rules, compiled on first use (compiling them all costs a few ms of start-up)."""
    return (
        # Blocks first: their base64 body could look like other tokens. A block cut off by a read cap
        # (no END line) is redacted to the end of the text.
        _Rule("private-key", re.compile(
            r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY((?: BLOCK)?)-----.*?(?:-----END \1PRIVATE KEY\2-----|\Z)", re.DOTALL)),
        _Rule("url-password", re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/?#@'\"]+:([^\s/?#@'\"]+)@"), group=1),
        _Rule("anthropic-api-key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
        # A digit somewhere keeps prose such as `sk-learn-compatible` out.
        _Rule("openai-api-key", re.compile(r"\bsk-(?!ant-)(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{20,}")),
        _Rule("aws-access-key", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b")),
        _Rule("aws-secret-key", re.compile(
            r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"), group=1),
        _Rule("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b")),
        _Rule("gitlab-token", re.compile(r"\bgl(?:pat|dt|ptt|rt|soat|cbt|imt)-[A-Za-z0-9_-]{20,}")),
        _Rule("slack-webhook", re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+")),
        _Rule("slack-token", re.compile(r"\bxox[abposre]-[A-Za-z0-9-]{10,}")),
        _Rule("stripe-key", re.compile(r"\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})")),
        _Rule("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
        _Rule("google-oauth", re.compile(r"\b(?:GOCSPX-[A-Za-z0-9_-]{24,}|ya29\.[0-9A-Za-z_-]{20,})")),
        _Rule("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
        _Rule("twilio-api-key", re.compile(r"\bSK[0-9a-fA-F]{32}\b")),
        _Rule("sendgrid-api-key", re.compile(r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")),
        _Rule("npm-token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
        _Rule("azure-key", re.compile(r"(?i)\b(?:AccountKey|SharedAccessKey|SharedSecretValue)=([^;\s\"'<>]{8,})"), group=1),
        _Rule("huggingface-token", re.compile(r"\bhf_[A-Za-z0-9]{30,40}\b")),
        _Rule("digitalocean-token", re.compile(r"\bdo[opr]_v1_[a-f0-9]{64}\b")),
        _Rule("pypi-token", re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}")),
        # `name = "value"`, `"name": "value"`, `name="value"` (Python, JSON, YAML, kwargs, dicts).
        _Rule("password", re.compile(
            rf"(?i)(?<![A-Za-z0-9_])({_NAME})[\"']?\s*(?:=|:|=>)\s*[rbuRBU]?([\"'])((?:(?!\2)[^\n\\]|\\.){{1,512}})\2"),
            group=3, kind_from_name=True, not_a_value=_NOT_A_QUOTED_VALUE),
        # Unquoted, one per line: `.env`, shell, YAML, ini (`DB_PASSWORD=hunter2`, `password: hunter2`).
        _Rule("password", re.compile(
            rf"(?im){_LINE_START}({_NAME})[ \t]*[=:][ \t]*([^\s#\"'(){{}}\[\],;]+)[ \t]*(?=#|$)"),
            group=2, kind_from_name=True, not_a_value=_NOT_A_BARE_VALUE),
        # Anything else that looks generated, assigned to any name (quoted or not).
        _Rule("high-entropy-value", re.compile(
            r"(?<![A-Za-z0-9_?&])([A-Za-z_][A-Za-z0-9_]*)[\"']?[ \t]*(?:=|:|=>)[ \t]*[rbuRBU]?([\"']?)"
            r"([A-Za-z0-9+/_=-]{20,512})\2(?![A-Za-z0-9+/_=.-])"),
            group=3, check=lambda name, value: not _NOT_SECRET_NAME.search(name) and _looks_random(value)),
    )


def placeholder(kind: str) -> str:
    """The text that stands in for a secret of `kind`."""
    return f"{PLACEHOLDER_PREFIX}{kind}]"


@dataclass(frozen=True)
class Redacted:
    """Text with its secrets replaced, and the kind of each replacement in order."""

    text: str
    kinds: tuple[str, ...] = ()

    def summary(self) -> str:
        """`aws-access-key ×2, jwt` (empty when nothing was redacted)."""
        counts = Counter(self.kinds)
        return ", ".join(f"{kind} ×{n}" if n > 1 else kind for kind, n in counts.items())


def _apply(rule: _Rule, text: str, found: list[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        value = match.group(rule.group)
        if value.startswith(PLACEHOLDER_PREFIX) or (rule.not_a_value and rule.not_a_value.match(value.strip())):
            return match.group(0)
        if rule.check is not None and not rule.check(match.group(1), value):  # type: ignore[operator]
            return match.group(0)
        kind = rule.kind
        if rule.kind_from_name:
            kind = "password" if _IS_PASSWORD_NAME.search(match.group(1)) else "secret-value"
            if (kind == "secret-value" and _NUMBER.match(value)) or _VERSION.match(value):
                return match.group(0)  # `max_tokens: 4096`, a version: not secrets
            if len(value) >= 3 and value.lower().replace("-", "_") in match.group(1).lower():
                return match.group(0)  # `PASSWORD_FIELD = "password"`: a constant naming itself
        found.append(kind)
        start, end = match.span(rule.group)
        whole = match.group(0)
        offset = match.start()
        # A multi-line secret (a key block) keeps its line breaks, so line numbers stay right.
        return whole[: start - offset] + placeholder(kind) + "\n" * value.count("\n") + whole[end - offset :]

    return rule.pattern.sub(replace, text)


def redact(text: str) -> Redacted:
    """Replace every secret-looking value in `text` (see the module docstring for the kinds)."""
    found: list[str] = []
    for rule in _rules():
        text = _apply(rule, text, found)
    return Redacted(text, tuple(found))


_KEY_BLOCK = re.compile(
    rb"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY((?: BLOCK)?)-----.*?(?:-----END \1PRIVATE KEY\2-----|\Z)", re.DOTALL)


def private_key_line_ranges(data: bytes) -> list[tuple[int, int]]:
    """The 1-based, inclusive line ranges of the private key blocks in a file's bytes.

    A block without its END line runs to the end of the file. For readers that see only some
    lines of a file (a range, a search match): lines in these ranges are key material.
    """
    if b"PRIVATE KEY" not in data:
        return []
    ranges = []
    for match in _KEY_BLOCK.finditer(data):
        first = data.count(b"\n", 0, match.start()) + 1
        block = match.group(0).rstrip(b"\n")
        ranges.append((first, first + block.count(b"\n")))
    return ranges


def mask_key_lines(lines: list[str], first_line: int, ranges: list[tuple[int, int]]) -> tuple[list[str], int]:
    """`lines` (the first being line `first_line`) with those inside `ranges` replaced; the count of
    blocks masked. Each block seen becomes one placeholder line and empty lines, as `redact` does."""
    if not ranges:
        return lines, 0
    masked, blocks = [], 0
    for number, line in enumerate(lines, start=first_line):
        block = next((r for r in ranges if r[0] <= number <= r[1]), None)
        if block is None:
            masked.append(line)
        elif number == block[0] or number == first_line:
            masked.append(placeholder("private-key"))
            blocks += 1
        else:
            masked.append("")
    return masked, blocks
