"""Tools the model can call: their definitions, the registry and the approval vocabulary."""

from backdev.tools.base import ApprovalRequest, Decision, Tool, ToolOutcome, ToolRegistry

__all__ = ["ApprovalRequest", "Decision", "Tool", "ToolOutcome", "ToolRegistry"]
