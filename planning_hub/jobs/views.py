"""Hub pages of jobs of every kind (/ui/jobs, /ui/jobs/<id>, /ui/jobs/<id>/status)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from .api.views import JobFilterSet
from .models import Job
from .selectors import job_describe, job_list

VIEW = "jobs.view_job"


@login_required
@permission_required(VIEW, raise_exception=True)
def job_list_page(request):
    """Every job, newest first, filtered by the API's FilterSet (status, kind, plan)."""
    filters = JobFilterSet(request.GET or None, queryset=job_list())
    page = Paginator(filters.qs, 25).get_page(request.GET.get("page"))
    rows = [(job, job_describe(job)) for job in page.object_list]
    return render(
        request,
        "jobs/list.html",
        {"page_obj": page, "rows": rows, "filters": filters.form},
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def job_detail(request, job_id):
    job = get_object_or_404(job_list(), pk=job_id)
    return render(request, "jobs/detail.html", {"job": job, "info": job_describe(job)})


@login_required
@permission_required(VIEW, raise_exception=True)
def job_status(request, job_id):
    """JSON for the job page's progress bar: ``{status, status_display, progress, step}``."""
    job = get_object_or_404(Job, pk=job_id)
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "progress": job.progress,
            "step": job.current_step,
        }
    )
