/*
 * route_table.c: prints the daemon's route table (daemon/http.c), one "METHOD TEMPLATE SCOPE" a
 * line (SCOPE "-" for a route without a token), for tests/regress/http_routes.sh to hold against
 * docs/openapi.yaml.
 */
#include <stdio.h>

#include "http_int.h"

int
main(void)
{
	const struct http_route *routes;
	size_t n, i;

	routes = http_route_table(&n);
	for (i = 0; i < n; i++)
		printf("%s %s %s\n", http_method_name(routes[i].method), routes[i].path,
		    routes[i].scope != NULL ? routes[i].scope : "-");
	return 0;
}
