# Unit tests of the policies: `opa test policies/` (see docs/policy.md). The decision cases live in cases.json, which
# the embedded engine's C# tests read too, so both engines are held to the same answers.
package msil.authz_test

import rego.v1

import data.msil.authz

# Runs one case: its "data" (if any) replaces data.roles and/or data.tools of data.json.
decide(c) := d if {
	roles := object.get(c, ["data", "roles"], data.roles)
	tools := object.get(c, ["data", "tools"], data.tools)
	d := authz.decision with input as c.input with data.roles as roles with data.tools as tools
} else := {"allow": "undefined", "reason": "undefined"}

# The cases whose answer differs from the table; each is printed for the test report.
failures contains msg if {
	some c in data.cases
	d := decide(c)
	got := {"allow": d.allow, "reason": d.reason}
	got != c.expected
	msg := sprintf("%s: expected %v, got %v", [c.name, c.expected, got])
	print(msg)
}

test_case_table_is_loaded if {
	count(data.cases) > 0
}

test_every_case_of_the_table if {
	count(failures) == 0
}

# The whole package document is what POST /v1/data/msil/authz returns: allow and reason at its top.
test_package_document_has_allow_and_reason if {
	doc := data.msil.authz with input as {
		"user": {"id": "bob", "roles": ["operator"], "groups": []},
		"tool": {"name": "create_booking", "risk_level": "write", "version": "1.0.0"},
		"action": "execute",
	}
	doc.allow == true
	doc.reason == "role 'operator' may use write tools"
}

test_no_input_is_denied_with_a_reason if {
	authz.allow == false with input as {}
	authz.reason == "authentication required" with input as {}
}

test_unknown_action_is_denied if {
	r := authz.reason with input as {
		"user": {"id": "carol", "roles": ["admin"], "groups": []},
		"tool": {"name": "create_booking", "risk_level": "write", "version": "1.0.0"},
		"action": "delete",
	}
	r == "unknown action 'delete'; expected execute or list"
	not authz.allow with input as {
		"user": {"id": "carol", "roles": ["admin"], "groups": []},
		"tool": {"name": "create_booking", "risk_level": "write", "version": "1.0.0"},
		"action": "delete",
	}
}

test_unknown_risk_level_is_denied if {
	r := authz.reason with input as {
		"user": {"id": "carol", "roles": ["admin"], "groups": []},
		"tool": {"name": "create_booking", "risk_level": "catastrophic", "version": "1.0.0"},
		"action": "execute",
	}
	r == "tool 'create_booking' has an unknown risk level 'catastrophic'; expected read, write or privileged"
}

test_tool_without_name_is_denied if {
	r := authz.reason with input as {
		"user": {"id": "carol", "roles": ["admin"], "groups": []},
		"tool": {"risk_level": "read"},
		"action": "list",
	}
	r == "the tool has no name"
}

test_missing_roles_and_groups_are_empty if {
	r := authz.reason with input as {
		"user": {"id": "gus"},
		"tool": {"name": "get_vehicle_inventory", "risk_level": "read", "version": "1.0.0"},
		"action": "list",
	}
	r == "the caller has no role; read tools need a role that allows them"
}
