/*
 * cupti_records.c: walks a CUPTI activity buffer (cupti_records.h) and turns the
 * records of CUDA 13's structs (CUpti_ActivityKernel10, Memcpy6, MemcpyPtoP4,
 * Memset4, API, ExternalCorrelation) into tfc__gpu_* records.
 */
#include <cupti.h>
#include <stdio.h>

#include "cupti_records.h"

void tfc__cupti_api_name(uint32_t cbid, bool driver, char *buf, size_t n)
{
	const char *name = NULL;
	if (cuptiGetCallbackName(driver ? CUPTI_CB_DOMAIN_DRIVER_API : CUPTI_CB_DOMAIN_RUNTIME_API, cbid,
				 &name) != CUPTI_SUCCESS || !name) {
		snprintf(buf, n, "%s_api_%u", driver ? "cu" : "cuda", cbid);
		return;
	}
	/* Only the last "_v<digits>" is the version: "cudaStreamGetCaptureInfo_v2_v11030"
	 * is cudaStreamGetCaptureInfo_v2. */
	size_t len = strlen(name);
	for (const char *v = name + len; v-- > name;) {
		if (v[0] != '_' || v[1] != 'v')
			continue;
		if (v[2] >= '0' && v[2] <= '9' && strspn(v + 2, "0123456789") == strlen(v + 2))
			len = (size_t)(v - name);
		break;
	}
	snprintf(buf, n, "%.*s", (int)len, name);
}

static enum tfc__gpu_copy_kind copy_kind(uint8_t k)
{
	switch (k) {
	case CUPTI_ACTIVITY_MEMCPY_KIND_HTOD: return TFC_GPU_COPY_HTOD;
	case CUPTI_ACTIVITY_MEMCPY_KIND_DTOH: return TFC_GPU_COPY_DTOH;
	case CUPTI_ACTIVITY_MEMCPY_KIND_DTOD: return TFC_GPU_COPY_DTOD;
	case CUPTI_ACTIVITY_MEMCPY_KIND_HTOH: return TFC_GPU_COPY_HTOH;
	case CUPTI_ACTIVITY_MEMCPY_KIND_PTOP: return TFC_GPU_COPY_PTOP;
	default: return TFC_GPU_COPY_OTHER;
	}
}

static void add_kernel(struct tfc__gpu_activity *a, const CUpti_ActivityKernel10 *r)
{
	struct tfc__gpu_kernel k = {
		.name = r->name,
		.start = r->start,
		.end = r->end,
		.device = r->deviceId,
		.stream = r->streamId,
		.correlation = r->correlationId,
		.grid = {r->gridX, r->gridY, r->gridZ},
		.block = {r->blockX, r->blockY, r->blockZ},
		.registers = r->registersPerThread,
		.static_shm = r->staticSharedMemory,
		.dynamic_shm = r->dynamicSharedMemory,
	};
	tfc__gpu_activity_add_kernel(a, &k);
}

size_t tfc__cupti_parse(struct tfc__gpu_activity *a, uint8_t *buf, size_t valid)
{
	CUpti_Activity *r = NULL;
	size_t n = 0;
	char name[128];
	while (valid && cuptiActivityGetNextRecord(buf, valid, &r) == CUPTI_SUCCESS) {
		n++;
		switch (r->kind) {
		case CUPTI_ACTIVITY_KIND_KERNEL:
		case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
			add_kernel(a, (const CUpti_ActivityKernel10 *)r);
			break;
		case CUPTI_ACTIVITY_KIND_MEMCPY: {
			const CUpti_ActivityMemcpy6 *m = (const CUpti_ActivityMemcpy6 *)r;
			struct tfc__gpu_copy c = {copy_kind(m->copyKind), m->bytes, m->start, m->end,
						  m->deviceId, m->streamId, m->correlationId,
						  (m->flags & CUPTI_ACTIVITY_FLAG_MEMCPY_ASYNC) != 0};
			tfc__gpu_activity_add_copy(a, &c);
			break;
		}
		case CUPTI_ACTIVITY_KIND_MEMCPY2: {
			const CUpti_ActivityMemcpyPtoP4 *m = (const CUpti_ActivityMemcpyPtoP4 *)r;
			struct tfc__gpu_copy c = {TFC_GPU_COPY_PTOP, m->bytes, m->start, m->end, m->deviceId,
						  m->streamId, m->correlationId,
						  (m->flags & CUPTI_ACTIVITY_FLAG_MEMCPY_ASYNC) != 0};
			tfc__gpu_activity_add_copy(a, &c);
			break;
		}
		case CUPTI_ACTIVITY_KIND_MEMSET: {
			const CUpti_ActivityMemset4 *m = (const CUpti_ActivityMemset4 *)r;
			struct tfc__gpu_copy c = {TFC_GPU_COPY_MEMSET, m->bytes, m->start, m->end, m->deviceId,
						  m->streamId, m->correlationId,
						  (m->flags & CUPTI_ACTIVITY_FLAG_MEMSET_ASYNC) != 0};
			tfc__gpu_activity_add_copy(a, &c);
			break;
		}
		case CUPTI_ACTIVITY_KIND_RUNTIME:
		case CUPTI_ACTIVITY_KIND_DRIVER: {
			const CUpti_ActivityAPI *p = (const CUpti_ActivityAPI *)r;
			tfc__cupti_api_name(p->cbid, r->kind == CUPTI_ACTIVITY_KIND_DRIVER, name, sizeof(name));
			struct tfc__gpu_api c = {name, p->cbid, p->start, p->end, p->threadId, p->correlationId};
			tfc__gpu_activity_add_api(a, &c);
			break;
		}
		case CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION: {
			const CUpti_ActivityExternalCorrelation *x = (const CUpti_ActivityExternalCorrelation *)r;
			if (x->externalKind == CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0)
				tfc__gpu_activity_add_correlation(a, x->correlationId, x->externalId);
			break;
		}
		default:
			break;
		}
	}
	return n;
}
