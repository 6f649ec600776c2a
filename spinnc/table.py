"""Plain-text tables for summaries and reports."""


def format_table(header, rows, title: str = "") -> str:
    """Left-aligned columns, a rule under the header, an optional title."""
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in [list(header)] + rows) for i in range(len(header))]
    lines = [title] if title else []
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)
