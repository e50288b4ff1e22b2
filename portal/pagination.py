"""API paging: page numbers 1..PAGE_MAX; kept apart from portal.api because DRF imports the
pagination class while rest_framework.generics loads, before the filter and schema classes can."""

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

# Every id the API accepts (path or filter) is a positive 32-bit integer: the range PostgreSQL's
# integer columns hold, so no filter value can overflow a query.
ID_MIN, ID_MAX = 1, 2**31 - 1
PAGE_MAX = 10**6


class PageNotFound(exceptions.NotFound):
    default_code = "page_not_found"


class PagePagination(PageNumberPagination):
    """Page numbers 1..PAGE_MAX (else 400); a page past the last one is a 404 saying how many there are."""

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None:
            try:
                number = int(raw)
            except ValueError:
                number = 0
            if not ID_MIN <= number <= PAGE_MAX or not raw.strip().isdigit():
                raise exceptions.ValidationError({self.page_query_param: [f"页码须为 1 到 {PAGE_MAX} 之间的整数。"]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            pages = self.django_paginator_class(queryset, self.get_page_size(request)).num_pages
            raise PageNotFound(f"页码超出范围：共 {pages} 页。") from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": ID_MIN, "maximum": PAGE_MAX}
        return parameters
