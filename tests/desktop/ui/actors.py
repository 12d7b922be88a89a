"""People who use the console in the UI tests, one per role (issue 7). Not users in the
database: the core records `actor.name` and checks `actor.role` and `actor.streets`."""

from desktop.core.access import Actor, Role

DUTY = Actor("wangwu", Role.DUTY, display_name="王值班")
INSPECTOR = Actor("zhangsan", Role.INSPECTOR, display_name="张检查员")
HEAD = Actor("lihua", Role.HEAD, display_name="李科长")
ADMIN = Actor("admin", Role.ADMIN, display_name="管理员甲")

BY_ROLE = {Role.DUTY: DUTY, Role.INSPECTOR: INSPECTOR, Role.HEAD: HEAD, Role.ADMIN: ADMIN}
