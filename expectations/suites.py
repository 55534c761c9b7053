"""great-expectations suites derived from the staged tables' contracts.

``suite_dict(contract)`` is the suite the pipeline validates with. The JSON files beside this
module are the same suites written out for people to read (and for GX tools): regenerate them with
``python -m expectations.suites`` after changing a contract; a test fails while they are stale.
Bounds that come from settings are GX parameters (``{"$PARAMETER": "min_words"}``), filled in from
the run's settings at each validation.
"""

from __future__ import annotations

import json
from pathlib import Path

from transforms.contracts import CONTRACTS, Contract, Param, Setting

SUITE_DIR = Path(__file__).parent
GX_VERSION = "1.24.1"


def _value(bound):
    return {"$PARAMETER": bound.name} if isinstance(bound, Setting | Param) else bound


def _expectation(kind: str, **kwargs) -> dict:
    return {"type": kind, "kwargs": {k: _value(v) for k, v in kwargs.items() if v is not None},
            "meta": {}, "id": None, "rendered_content": None}


def suite_dict(contract: Contract) -> dict:
    """The GX 1.x suite (``ExpectationSuite.to_json_dict()`` form) for one contract."""
    exps = [_expectation("expect_table_columns_to_match_set", column_set=list(contract.column_names), exact_match=True)]
    for c in contract.columns:
        if not c.nullable:
            exps.append(_expectation("expect_column_values_to_not_be_null", column=c.name))
        if c.unique:
            exps.append(_expectation("expect_column_values_to_be_unique", column=c.name))
        if c.regex:
            exps.append(_expectation("expect_column_values_to_match_regex", column=c.name, regex=c.regex))
        if c.min_length is not None or c.max_length is not None:
            exps.append(_expectation("expect_column_value_lengths_to_be_between", column=c.name,
                                     min_value=c.min_length, max_value=c.max_length))
        if c.min is not None or c.max is not None:
            exps.append(_expectation("expect_column_values_to_be_between", column=c.name,
                                     min_value=c.min, max_value=c.max))
        if c.values:
            exps.append(_expectation("expect_column_values_to_be_in_set", column=c.name, value_set=list(c.values)))
    if len(contract.grain) > 1:
        exps.append(_expectation("expect_compound_columns_to_be_unique", column_list=list(contract.grain)))
    return {"name": contract.name, "id": None, "meta": {"great_expectations_version": GX_VERSION,
            "generated_from": "transforms/contracts.py"}, "notes": contract.doc or None, "expectations": exps}


def validated_contracts() -> list[Contract]:
    return [c for c in CONTRACTS.values() if c.validated]


def suite_text(contract: Contract) -> str:
    return json.dumps(suite_dict(contract), indent=2, ensure_ascii=False) + "\n"


def write_suites() -> list[Path]:
    """Write every validated contract's suite to ``expectations/<table>.json``."""
    written = []
    for contract in validated_contracts():
        path = SUITE_DIR / f"{contract.name}.json"
        path.write_text(suite_text(contract), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_suites():
        print(path)
