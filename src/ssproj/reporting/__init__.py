"""Charts and self-contained HTML reports of projections and comparisons.

- :mod:`ssproj.reporting.plots`: matplotlib charts for notebooks, each
  taking a projection or a comparison and an optional ``ax``.
- :mod:`ssproj.reporting.html`: :func:`write_html`, one self-contained
  HTML file with the charts, tables (with units) and provenance.
- :mod:`ssproj.reporting.assumptions` and :mod:`ssproj.reporting.banner`:
  every input with its source and confidence, and the banner of the
  inputs marked assumed that results show first.
"""
from ssproj.reporting.html import render_html, write_html

__all__ = ["write_html", "render_html"]
