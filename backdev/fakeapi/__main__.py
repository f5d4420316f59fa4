"""`python -m backdev.fakeapi [--port 8765] [--script steps.json] [--api-key KEY] [--key-header x-api-key]`.

Serves the fake Messages API until interrupted. Point backdev at it with
`ANTHROPIC_BASE_URL=http://127.0.0.1:8765` (no key needed unless --api-key is given).
"""

from __future__ import annotations

import argparse
import json
import sys

from backdev.fakeapi.server import FakeAnthropic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backdev.fakeapi", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--script", help="a JSON file with a list of steps to answer in order")
    parser.add_argument("--api-key", help="answer 401 unless requests carry this key")
    parser.add_argument("--key-header", choices=["any", "x-api-key"], default="any",
                        help="where the key must be: Bearer or x-api-key (any), or only x-api-key, as some gateways")
    parser.add_argument("--context-window", type=int, help="refuse prompts over this many tokens (prompt is too long)")
    parser.add_argument("--max-request-bytes", type=int, help="answer 413 to larger request bodies")
    args = parser.parse_args(argv)
    api = FakeAnthropic(port=args.port, api_key=args.api_key, key_header=args.key_header,
                        context_window=args.context_window, max_request_bytes=args.max_request_bytes)
    if args.script:
        with open(args.script, encoding="utf-8") as handle:
            api.enqueue(*json.load(handle))
    print(f"fake Messages API on {api.url}  (ANTHROPIC_BASE_URL={api.url})", flush=True)
    try:
        api.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
