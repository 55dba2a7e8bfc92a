"""The one error of backup and restore, and its messages (Chinese / English: they are read by operators)."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do. Nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


MSG_NOT_FOUND = "备份文件不存在 / backup file not found: {path}"
MSG_DAMAGED = "备份文件已损坏或不是 Kefu 备份 / the archive is damaged or not a Kefu backup: {path}"
MSG_CHECKSUM = "备份文件校验失败 / checksum mismatch in the archive: {name}"
MSG_FORMAT = "不支持的备份格式版本 {version} / unsupported backup format version {version}"
MSG_VENDOR = (
    "备份来自 {archive} 数据库，不能恢复到 {target} 数据库 / "
    "the backup is of a {archive} database and cannot be restored into a {target} database"
)
MSG_NEWER = (
    "备份来自更新版本的 Kefu，请先升级（本版本没有这些迁移：{names}）/ "
    "the backup was made by a newer Kefu; upgrade first (migrations unknown here: {names})"
)
MSG_NOT_EMPTY = (
    "目标不为空（{tables} 张表，{files} 个上传文件），恢复将替换其全部内容；确认请加 --yes / "
    "the target is not empty ({tables} tables, {files} uploaded files) and restoring replaces all of it; "
    "run again with --yes"
)
MSG_EXTRA_TABLES = (
    "目标数据库有备份中没有的表（{names}），请恢复到新建的空数据库 / "
    "the target database has tables the backup lacks ({names}): restore into a new, empty database"
)
MSG_EXISTS = "输出文件已存在 / the output file already exists: {path}"
MSG_UNSUPPORTED = "不支持的数据库 / unsupported database engine: {engine}"
MSG_SQLITE_MISSING = "SQLite 数据库文件不存在 / SQLite database file not found: {path}"
MSG_INTEGRITY = "数据库未通过完整性检查 / the database fails its integrity check: {detail}"
MSG_TOOL_MISSING = (
    "找不到 {name}：安装 PostgreSQL 客户端，或把 KEFU_PG_BIN 设为其 bin 目录 / "
    "{name} not found: install the PostgreSQL client or set KEFU_PG_BIN to its bin directory"
)
MSG_TOOL_FAILED = "{name} 失败 / {name} failed: {detail}"
MSG_CONNECT = "无法连接数据库 / cannot connect to the database {name}: {detail}"
MSG_COUNTS = "恢复后的行数与备份清单不符 / row counts after the restore differ from the manifest: {detail}"
MSG_MEDIA_CHANGED = (
    "备份过程中上传文件被删除或改动，请重新备份 / an uploaded file changed during the backup, run it again: {name}"
)
MSG_ODD_NAME = "上传文件名含换行符，无法备份 / an uploaded file's name contains a line break: {name!r}"
