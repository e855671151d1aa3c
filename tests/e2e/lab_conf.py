# SPDX-License-Identifier: BSD-3-Clause
"""The NAT's configuration for a lab (see lab.py): config/cgnat.conf with a
few values replaced in place, and the lab's addressing checked against it."""

import json
import re

from lab_common import (INET_ADDR, INET_NET, NAT_INSIDE, NAT_OUTSIDE, POOL, SUBSCRIBERS,
                        LabError)
from lab_dpdk import WORKERS

# --- libconfig text edits -----------------------------------------------------
#
# The generated config is the project's config text with a few values
# replaced in place. Searches run on a copy with comments blanked out (same
# offsets), so "# Default gateway: all ..." is never taken for a setting.

_LIBCONFIG_VALUE = r'"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\([^)]*\)|[^;,}\s]+'


def _blank_comments(text):
    """text with #, // and /* */ comments replaced by spaces (newlines kept)."""
    out, i, n = list(text), 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif c == "#" or text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        elif text.startswith("/*", i):
            stop = text.find("*/", i + 2)
            stop = n if stop < 0 else stop + 2
            for j in range(i, stop):
                if out[j] != "\n":
                    out[j] = " "
            i = stop
        else:
            i += 1
    return "".join(out)


def _find_setting(text, group, key):
    """(body_end, match) for group.key; match is None when the flat
    top-level group `group: { ... }` lacks the key."""
    bare = _blank_comments(text)
    m = re.search(r"(?m)^\s*" + re.escape(group) + r"\s*[:=]\s*\{", bare)
    if not m:
        raise LabError(f"config has no group '{group}'")
    end = bare.index("}", m.end())
    pat = re.compile(r"\b" + re.escape(key) + r"\s*[:=]\s*(" + _LIBCONFIG_VALUE + ")")
    return end, pat.search(bare, m.end(), end)


def get_setting(text, group, key):
    """The literal value of group.key in libconfig text (quotes removed), or None."""
    _, m = _find_setting(text, group, key)
    return m.group(1).strip('"') if m else None


def set_setting(text, group, key, value):
    """libconfig text with group.key set to `value`, a libconfig literal
    (e.g. json.dumps(path) for a string). Added to the group if absent."""
    end, m = _find_setting(text, group, key)
    if m:
        return text[:m.start(1)] + value + text[m.end(1):]
    return text[:end] + f"  {key} = {value};\n" + text[end:]


def _check_addressing(text, config_src):
    """The lab is built for config/cgnat.conf's addresses: say so if not."""
    expect = {("inside", "address"): f"{NAT_INSIDE}/{SUBSCRIBERS.prefixlen}",
              ("outside", "address"): f"{NAT_OUTSIDE}/{INET_NET.prefixlen}",
              ("outside", "gateway"): INET_ADDR}
    for (group, key), want in expect.items():
        got = get_setting(text, group, key)
        if got != want:
            raise LabError(f"{config_src}: {group}.{key} is {got!r}, "
                           f"the lab is built for {want!r}")
    pool = get_setting(text, "pool", "addresses")
    if pool is None or f'"{POOL}"' not in pool:
        raise LabError(f"{config_src}: pool.addresses is {pool}, "
                       f"the lab routes {POOL}")


def nat_config(config_src, mapping_log, settings):
    """The text of config_src with logging.file = mapping_log, WORKERS
    worker lcores and settings ({(group, key): libconfig literal}) applied;
    the lab's addressing checked against it."""
    with open(config_src) as f:
        text = f.read()
    _check_addressing(text, config_src)
    text = set_setting(text, "logging", "file", json.dumps(mapping_log))
    if WORKERS != 1:
        text = set_setting(text, "workers", "lcores",
                           "[" + ", ".join(str(i) for i in range(1, WORKERS + 1)) + "]")
    for (group, key), value in settings.items():
        text = set_setting(text, group, key, value)
    return text
