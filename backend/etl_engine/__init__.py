"""The pure ETL engine: CSV in, typed batches through transforms, atomic loads out.

    profile = profile_csv("people.csv")
    result = run_job(JobSpec(...), reporter)

No FastAPI, no Airflow, no app database, no environment variables: a spec in, callbacks out.
"""

from .ddl import render_ddl
from .destinations import open_destination
from .errors import (
    DestinationUnreachable,
    DuplicateKeys,
    EngineError,
    FileTooLarge,
    InvalidJobSpec,
    LoadFailed,
    ReconciliationFailed,
    RejectThresholdExceeded,
    RowError,
    RunCancelled,
    SchemaMismatch,
    SourceFailed,
    SourceUnreachable,
    TerminalError,
    TransientError,
    UnreadableFile,
)
from .expression_sample import sample_expression
from .pipeline import run_job
from .preview import InvalidCell, Preview, PreviewColumn, preview_csv
from .profiling import profile_csv
from .progress import Progress, RejectedRow, Reporter, RunResult, SilentReporter
from .spec import (
    ColumnSpec,
    ColumnType,
    Compression,
    CsvOptions,
    DatePart,
    DestinationConfig,
    DestinationKind,
    FileFormat,
    FileLayout,
    FileProfile,
    JobSpec,
    LoadSpec,
    LoadStrategy,
    Partition,
    SourceColumn,
    Transform,
)
from .transforms.expressions import ExpressionCheck, validate_expression
from .writers.base import ConnectionCheck, Destination, TableColumn, TableRef, TableSample, Writer
from .writers.sql import target_mismatches

__all__ = [
    "ColumnSpec",
    "ColumnType",
    "Compression",
    "ConnectionCheck",
    "CsvOptions",
    "DatePart",
    "Destination",
    "DestinationConfig",
    "DestinationKind",
    "DestinationUnreachable",
    "DuplicateKeys",
    "EngineError",
    "ExpressionCheck",
    "FileFormat",
    "FileLayout",
    "FileProfile",
    "FileTooLarge",
    "InvalidCell",
    "InvalidJobSpec",
    "JobSpec",
    "LoadFailed",
    "LoadSpec",
    "LoadStrategy",
    "Partition",
    "Preview",
    "PreviewColumn",
    "Progress",
    "ReconciliationFailed",
    "RejectThresholdExceeded",
    "RejectedRow",
    "Reporter",
    "RowError",
    "RunCancelled",
    "RunResult",
    "SchemaMismatch",
    "SilentReporter",
    "SourceColumn",
    "SourceFailed",
    "SourceUnreachable",
    "TableColumn",
    "TableRef",
    "TableSample",
    "TerminalError",
    "Transform",
    "TransientError",
    "UnreadableFile",
    "Writer",
    "open_destination",
    "preview_csv",
    "profile_csv",
    "render_ddl",
    "run_job",
    "sample_expression",
    "target_mismatches",
    "validate_expression",
]
