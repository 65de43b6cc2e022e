"""The daemon's operations on the socket, one module per resource; `Ops` dispatches them."""

# Each op names the least role that may call it. A handler receives the caller's
# session (identity included) and the request's args, checks what that identity may
# touch (a supervisor only their group's campaigns) and answers with JSON-able data.
# Errors are CctermErrors: they go back to the client with code, message and hint.
# Handlers reach the live core through `base.Core` only.

from ccterm.daemon.ops import (  # noqa: F401 - importing a resource registers its ops
    admin,
    campaigns,
    desk,
    dnc,
    imports,
    leads,
    monitor,
    queues,
    supervision,
)
from ccterm.daemon.ops.base import OPS, Core, Ops
from ccterm.daemon.ops.imports import ROWS_MAX
from ccterm.daemon.ops.leads import LEADS_PAGE_MAX

__all__ = ["LEADS_PAGE_MAX", "OPS", "ROWS_MAX", "Core", "Ops"]
