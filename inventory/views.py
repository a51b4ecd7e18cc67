from django.http import HttpRequest, HttpResponse


def grid(request: HttpRequest) -> HttpResponse:
    return HttpResponse("grid")


def location_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("locations")


def transfer_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("transfers")
