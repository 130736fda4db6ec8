"""Federated operational data: each partner's node answers aggregate questions over its own data, signed; the hub
fans out, checks and keeps the last good answers; the dashboard is built from them."""

from socialdata.operations.dashboard import Dashboard, build_dashboard
from socialdata.operations.federated import FederatedCount, combine
from socialdata.operations.hub import Hub, NodeEntry, NodeFlag, NodeStatus, Reply
from socialdata.operations.node import NodeConfig, node_app
from socialdata.operations.questions import Breakdown, Measure
from socialdata.operations.registry import register_node, registered_nodes, remove_node

__all__ = [
    "Breakdown",
    "Dashboard",
    "FederatedCount",
    "Hub",
    "Measure",
    "NodeConfig",
    "NodeEntry",
    "NodeFlag",
    "NodeStatus",
    "Reply",
    "build_dashboard",
    "combine",
    "node_app",
    "register_node",
    "registered_nodes",
    "remove_node",
]
