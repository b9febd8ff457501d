"""`annotator agreement PROJECT`: inter-annotator agreement (issue 5)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from annotator.cli.output import print_json, print_table, warn, warn_unknown_labels
from annotator.core.model import GOLD_ANNOTATOR

if TYPE_CHECKING:
    from annotator.core.agreement import AgreementReport

EXIT_USAGE = 2
UNDEFINED = "n/a"


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Agreement between annotators over the documents every one of them marked "
        "done (with --all, every document where any of them has a span): exact and "
        "overlap span F1 and Cohen's kappa over tokens for each pair, Krippendorff's "
        "alpha for all at once, overall and per label; kappa and alpha per document "
        "label project.yaml declares; and how often quotes and claims both matched "
        "name the same speaker. A figure with nothing to compare is shown as n/a "
        "(null in JSON). docs/review.md, 'The metrics, exactly', defines every figure."
    )
    parser.add_argument("project", metavar="PROJECT", help="project folder")
    parser.add_argument(
        "--annotator",
        action="append",
        metavar="NAME",
        help=(
            "compare this annotator (repeat for each; default: all who have spans, "
            f"except {GOLD_ANNOTATOR!r} unless named)"
        ),
    )
    parser.add_argument(
        "--label",
        action="append",
        metavar="L",
        help="compare only spans with this label (repeat for each; default: all labels)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="compare every document where any compared annotator has a span, done or not",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from annotator.app.agreement import UnknownAnnotator, compute_compared, reading_compared

    labels = list(dict.fromkeys(args.label)) if args.label else None
    annotators = list(dict.fromkeys(args.annotator)) if args.annotator else None
    # The documents are read as the counting takes them (reading_compared), on
    # two cores for a large project (compute_compared).
    try:
        with reading_compared(
            args.project, annotators, labels=labels, all_documents=args.all
        ) as compared:
            names, documents = compared.names, compared.documents
            warn_unknown_labels(labels, compared.schema.label_names)
            problem = _nothing_to_compare(names, len(documents), args.all)
            if problem is not None:
                warn(problem)
                return EXIT_USAGE
            report = compute_compared(compared, labels)
    except UnknownAnnotator as exc:
        warn(str(exc))
        return EXIT_USAGE
    if args.json:
        print_json(report.to_json())
    else:
        print_report(report, all_documents=args.all)
    return 0


def _nothing_to_compare(names: list[str], documents: int, all_documents: bool) -> str | None:
    """Why there is nothing to compare (None: there is)."""
    if len(names) < 2:
        have = ", ".join(names) if names else "none"
        return (
            "agreement needs at least two annotators "
            f"(compared: {have}); name them with --annotator NAME"
        )
    if not documents:
        if all_documents:
            return f"no document has a span by {', '.join(names)}: nothing to compare"
        return (
            f"no document is marked done by every one of {', '.join(names)}: nothing "
            "to compare (--all compares every document where any of them has a span)"
        )
    return None


def _figure(value: float | None) -> str:
    return UNDEFINED if value is None else f"{value:.3f}"


def print_report(report: AgreementReport, *, all_documents: bool) -> None:
    which = (
        "documents where any of them has a span"
        if all_documents
        else "documents every one of them marked done"
    )
    print(
        f"Agreement of {', '.join(report.annotators)} over {report.documents} {which} "
        f"({report.tokens} tokens)"
    )
    print()
    print_table(
        ("pair", "exact F1", "overlap F1", "kappa"),
        [
            (f"{p.a} / {p.b}", _figure(p.exact_f1), _figure(p.overlap_f1), _figure(p.kappa))
            for p in report.pairs
        ],
    )
    if report.labels:
        print()
        print_table(
            ("label", "pair", "exact F1", "overlap F1", "kappa"),
            [
                (
                    label,
                    f"{p.a} / {p.b}",
                    _figure(p.exact_f1_by_label[label]),
                    _figure(p.overlap_f1_by_label[label]),
                    _figure(p.kappa_by_label[label]),
                )
                for label in report.labels
                for p in report.pairs
            ],
        )
    print()
    print_table(
        ("Krippendorff's alpha", "all annotators"),
        [
            ("all labels", _figure(report.alpha)),
            *[(label, _figure(report.alpha_by_label[label])) for label in report.labels],
        ],
    )
    if report.document_labels:
        print()
        print_table(
            ("document label", "pair", "kappa", "documents", "alpha (all)"),
            [
                (
                    label.name,
                    f"{p.a} / {p.b}",
                    _figure(p.kappa),
                    str(p.documents),
                    _figure(label.alpha),
                )
                for label in report.document_labels
                for p in label.pairs
            ],
        )
    attribution = report.attribution
    # Without a compared quote or claim the table would be n/a throughout.
    if attribution is not None and attribution.compared:
        print()
        print_table(
            (f"attribution ({', '.join(attribution.labels)})", "compared", "same", "agreement"),
            [
                *[
                    (f"{p.a} / {p.b}", str(p.compared), str(p.same), _figure(p.agreement))
                    for p in attribution.pairs
                ],
                (
                    "all pairs",
                    str(attribution.compared),
                    str(attribution.same),
                    _figure(attribution.agreement),
                ),
            ],
        )
    print()
    print(f"{UNDEFINED}: undefined, nothing to compare (no spans, or one category throughout)")
