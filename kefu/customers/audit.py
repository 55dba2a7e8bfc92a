"""Which archive tables are audited."""

from auditlog.registry import auditlog

from .models import Asset, Building, Contact, Customer, Entrance, KeyCustomer, Occupancy, Tag, Unit

auditlog.register(Building)
auditlog.register(Entrance)
auditlog.register(Unit)
auditlog.register(Tag)
auditlog.register(Customer, exclude_fields=["updated_at", "version"], mask_fields=["id_number"], m2m_fields={"tags"})
auditlog.register(Contact, mask_fields=["value"])
auditlog.register(Occupancy)
auditlog.register(Asset)
auditlog.register(KeyCustomer)
