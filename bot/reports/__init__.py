"""Figures for staff and funders: outcome rates, the funders' HTML report, PNG charts."""
