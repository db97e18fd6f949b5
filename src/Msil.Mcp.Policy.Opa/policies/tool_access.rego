# Tool-specific access: data.tools[<tool name>] may allow or deny the tool to roles (case-insensitive) and to groups
# (exact). A deny beats an allow; an allow applies whatever the tool's risk level (privileged tools still need an
# elevation grant from the MCP server).
package msil.tool_access

import rego.v1

import data.msil.rbac

# The actions the MCP server asks about: "execute" (tools/call) and "list" (tools/list).
actions := {"execute", "list"}

action_known if input.action in actions

tool_named if {
	is_string(input.tool.name)
	input.tool.name != ""
}

# The tool's allow and deny lists; a tool without an entry has none. Rules are keyed by the tool's stable id
# (input.tool.id, which a curation rename keeps); a rule under the served name applies only when the id has none.
default tool_rule := {}

tool_key := input.tool.id if {
	is_string(input.tool.id)
	data.tools[input.tool.id]
} else := input.tool.name

tool_rule := data.tools[tool_key]

# The caller's groups, exactly as the token has them.
user_groups contains group if {
	some group in object.get(input.user, "groups", [])
	is_string(group)
}

denied_roles contains role if {
	some r in object.get(tool_rule, "deny_roles", [])
	role := lower(r)
	role in rbac.user_roles
}

denied_groups contains group if {
	some group in object.get(tool_rule, "deny_groups", [])
	group in user_groups
}

allowed_roles contains role if {
	some r in object.get(tool_rule, "allow_roles", [])
	role := lower(r)
	role in rbac.user_roles
}

allowed_groups contains group if {
	some group in object.get(tool_rule, "allow_groups", [])
	group in user_groups
}

# Where several roles or groups match, the first in ordinal order names the reason.
deny_reason := sprintf("tool '%s' is denied to role '%s'", [tool_key, min(denied_roles)]) if {
	count(denied_roles) > 0
} else := sprintf("tool '%s' is denied to group '%s'", [tool_key, min(denied_groups)]) if {
	count(denied_groups) > 0
}

allow_reason := sprintf("tool '%s' is allowed for role '%s'", [tool_key, min(allowed_roles)]) if {
	count(allowed_roles) > 0
} else := sprintf("tool '%s' is allowed for group '%s'", [tool_key, min(allowed_groups)]) if {
	count(allowed_groups) > 0
}
