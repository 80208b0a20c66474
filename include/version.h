/* version.h: the release. */
#ifndef DRIFTWATCH_VERSION_H
#define DRIFTWATCH_VERSION_H
#define DRIFTWATCH_VERSION "0.1.0"
#endif
