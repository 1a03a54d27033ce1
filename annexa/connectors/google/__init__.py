"""Google Workspace (Admin SDK Directory API): users, groups, admin roles, 2-Step Verification."""
