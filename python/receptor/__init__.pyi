from ._masters import default_masters_dir as default_masters_dir, load_masters as load_masters
from .access import AccessContext as AccessContext, apply_access as apply_access, pseudonymise as pseudonymise
from .audit import AuditLog as AuditLog
from .engine import Engine as Engine
from .progress import ProgressBar as ProgressBar
from .receipts import ReceiptFile as ReceiptFile, inspect as inspect, read_receipts as read_receipts
from .render import ReceiptView as ReceiptView, render_receipt as render_receipt
from .results import Results as Results, open_results as open_results
from .survey import survey_export as survey_export
from .worklist import Worklist as Worklist

__all__ = ['default_masters_dir', 'load_masters', 'AccessContext', 'apply_access', 'pseudonymise', 'AuditLog', 'Engine', 'ProgressBar', 'ReceiptFile', 'inspect', 'read_receipts', 'ReceiptView', 'render_receipt', 'Results', 'open_results', 'Worklist', 'survey_export', '__version__']

__version__: str
