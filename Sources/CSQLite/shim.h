#include <sqlite3.h>

/* sqlite3_config is variadic, which Swift cannot call. Memory statistics take a global mutex on
   every allocation; nothing here reads them. Must run before the first connection opens. */
static inline int userimport_sqlite3_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
