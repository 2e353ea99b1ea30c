"""The sampled signer's side of a sample audit: the emailed link opens a page
with two buttons (GET changes nothing: mail scanners open links), the POST
records the answer. No login; the signed token is the authority."""

from flask import Blueprint, render_template, request

from ..services import sample_answers

bp = Blueprint("sample", __name__)


def _page(found):
    status = 400 if found.outcome in sample_answers.REFUSED else 200
    return render_template("sample_answer.html", found=found), status


@bp.get("/audit/<token>")
def answer_page(token):
    return _page(sample_answers.inspect(token))


@bp.post("/audit/<token>")
def answer_post(token):
    return _page(sample_answers.answer(token, request.form.get("answer", "")))
