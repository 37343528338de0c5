"""The HTTP contract (../shared/API.md) as pydantic models, one module per part of the API.

Handlers parse requests with these and answer with them; `/openapi.json` is generated from them,
and routes name them by their names here. Unknown fields are refused; money is a decimal
string, never a float.
"""

from chalicelib.contracts.api.base import (
    Address as Address,
)
from chalicelib.contracts.api.base import (
    Currency as Currency,
)
from chalicelib.contracts.api.base import (
    Customer as Customer,
)
from chalicelib.contracts.api.base import (
    DecimalString as DecimalString,
)
from chalicelib.contracts.api.base import (
    Delivery as Delivery,
)
from chalicelib.contracts.api.base import (
    Health as Health,
)
from chalicelib.contracts.api.base import (
    HomeDelivery as HomeDelivery,
)
from chalicelib.contracts.api.base import (
    Id as Id,
)
from chalicelib.contracts.api.base import (
    LocationDelivery as LocationDelivery,
)
from chalicelib.contracts.api.base import (
    Model as Model,
)
from chalicelib.contracts.api.base import (
    Money as Money,
)
from chalicelib.contracts.api.base import (
    Payment as Payment,
)
from chalicelib.contracts.api.base import (
    Problem as Problem,
)
from chalicelib.contracts.api.base import (
    ProblemError as ProblemError,
)
from chalicelib.contracts.api.base import (
    Quantity as Quantity,
)
from chalicelib.contracts.api.base import (
    Text as Text,
)
from chalicelib.contracts.api.checkout import (
    CartLine as CartLine,
)
from chalicelib.contracts.api.checkout import (
    ClickAndCollectOption as ClickAndCollectOption,
)
from chalicelib.contracts.api.checkout import (
    FulfilmentOptionsOut as FulfilmentOptionsOut,
)
from chalicelib.contracts.api.checkout import (
    FulfilmentOptionsRequest as FulfilmentOptionsRequest,
)
from chalicelib.contracts.api.checkout import (
    GeoCustomer as GeoCustomer,
)
from chalicelib.contracts.api.checkout import (
    HomeDeliveryOption as HomeDeliveryOption,
)
from chalicelib.contracts.api.checkout import (
    NearbyLocation as NearbyLocation,
)
from chalicelib.contracts.api.checkout import (
    PickupPointOption as PickupPointOption,
)
from chalicelib.contracts.api.checkout import (
    PostalCustomer as PostalCustomer,
)
from chalicelib.contracts.api.live_config import (
    ActivateConfig as ActivateConfig,
)
from chalicelib.contracts.api.live_config import (
    BeforeAfter as BeforeAfter,
)
from chalicelib.contracts.api.live_config import (
    ConfigChange as ConfigChange,
)
from chalicelib.contracts.api.live_config import (
    ConfigHistory as ConfigHistory,
)
from chalicelib.contracts.api.live_config import (
    ConfigOut as ConfigOut,
)
from chalicelib.contracts.api.live_config import (
    ConfigSectionIn as ConfigSectionIn,
)
from chalicelib.contracts.api.live_config import (
    ConfigSectionOut as ConfigSectionOut,
)
from chalicelib.contracts.api.live_config import (
    SimulateConfig as SimulateConfig,
)
from chalicelib.contracts.api.live_config import (
    SimulatedFigures as SimulatedFigures,
)
from chalicelib.contracts.api.live_config import (
    SimulatedOrder as SimulatedOrder,
)
from chalicelib.contracts.api.live_config import (
    SimulationOut as SimulationOut,
)
from chalicelib.contracts.api.live_config import (
    WorkflowsOut as WorkflowsOut,
)
from chalicelib.contracts.api.network import (
    CapabilityName as CapabilityName,
)
from chalicelib.contracts.api.network import (
    ChannelOut as ChannelOut,
)
from chalicelib.contracts.api.network import (
    ChannelPage as ChannelPage,
)
from chalicelib.contracts.api.network import (
    CreateToken as CreateToken,
)
from chalicelib.contracts.api.network import (
    GeoPoint as GeoPoint,
)
from chalicelib.contracts.api.network import (
    LocationOut as LocationOut,
)
from chalicelib.contracts.api.network import (
    LocationPage as LocationPage,
)
from chalicelib.contracts.api.network import (
    LocationTypeName as LocationTypeName,
)
from chalicelib.contracts.api.network import (
    PartnerIn as PartnerIn,
)
from chalicelib.contracts.api.network import (
    PartnerOut as PartnerOut,
)
from chalicelib.contracts.api.network import (
    PutChannel as PutChannel,
)
from chalicelib.contracts.api.network import (
    PutLocation as PutLocation,
)
from chalicelib.contracts.api.network import (
    PutStock as PutStock,
)
from chalicelib.contracts.api.network import (
    StockFeed as StockFeed,
)
from chalicelib.contracts.api.network import (
    StockFeedLine as StockFeedLine,
)
from chalicelib.contracts.api.network import (
    StockOut as StockOut,
)
from chalicelib.contracts.api.network import (
    StockPage as StockPage,
)
from chalicelib.contracts.api.network import (
    TokenInfo as TokenInfo,
)
from chalicelib.contracts.api.network import (
    TokenOut as TokenOut,
)
from chalicelib.contracts.api.network import (
    TokenPage as TokenPage,
)
from chalicelib.contracts.api.network import (
    WebhookAnswer as WebhookAnswer,
)
from chalicelib.contracts.api.orders import (
    CancelLines as CancelLines,
)
from chalicelib.contracts.api.orders import (
    ClaimLineOut as ClaimLineOut,
)
from chalicelib.contracts.api.orders import (
    ClaimOut as ClaimOut,
)
from chalicelib.contracts.api.orders import (
    CreateOrder as CreateOrder,
)
from chalicelib.contracts.api.orders import (
    Discount as Discount,
)
from chalicelib.contracts.api.orders import (
    EditedOrderOut as EditedOrderOut,
)
from chalicelib.contracts.api.orders import (
    EditOrder as EditOrder,
)
from chalicelib.contracts.api.orders import (
    ExchangeOut as ExchangeOut,
)
from chalicelib.contracts.api.orders import (
    FulfilmentEventIn as FulfilmentEventIn,
)
from chalicelib.contracts.api.orders import (
    FulfilmentOrderDetail as FulfilmentOrderDetail,
)
from chalicelib.contracts.api.orders import (
    FulfilmentOrderLine as FulfilmentOrderLine,
)
from chalicelib.contracts.api.orders import (
    FulfilmentOrderOut as FulfilmentOrderOut,
)
from chalicelib.contracts.api.orders import (
    FulfilmentOrderPage as FulfilmentOrderPage,
)
from chalicelib.contracts.api.orders import (
    HistoryEntry as HistoryEntry,
)
from chalicelib.contracts.api.orders import (
    LineAllocationOut as LineAllocationOut,
)
from chalicelib.contracts.api.orders import (
    LineLedgerOut as LineLedgerOut,
)
from chalicelib.contracts.api.orders import (
    LineQuantity as LineQuantity,
)
from chalicelib.contracts.api.orders import (
    OrderEventIn as OrderEventIn,
)
from chalicelib.contracts.api.orders import (
    OrderLineIn as OrderLineIn,
)
from chalicelib.contracts.api.orders import (
    OrderLineOut as OrderLineOut,
)
from chalicelib.contracts.api.orders import (
    OrderOut as OrderOut,
)
from chalicelib.contracts.api.orders import (
    OrderPage as OrderPage,
)
from chalicelib.contracts.api.orders import (
    OrderSummary as OrderSummary,
)
from chalicelib.contracts.api.orders import (
    RecordStatuses as RecordStatuses,
)
from chalicelib.contracts.api.orders import (
    RefundBreakdown as RefundBreakdown,
)
from chalicelib.contracts.api.orders import (
    RefundEventIn as RefundEventIn,
)
from chalicelib.contracts.api.orders import (
    RefundOut as RefundOut,
)
from chalicelib.contracts.api.orders import (
    ShippingIn as ShippingIn,
)
from chalicelib.contracts.api.orders import (
    ShippingOut as ShippingOut,
)
from chalicelib.contracts.api.orders import (
    Tracking as Tracking,
)
from chalicelib.contracts.api.reservations import (
    CreateReservation as CreateReservation,
)
from chalicelib.contracts.api.reservations import (
    ReservationEventIn as ReservationEventIn,
)
from chalicelib.contracts.api.reservations import (
    ReservationLine as ReservationLine,
)
from chalicelib.contracts.api.reservations import (
    ReservationOut as ReservationOut,
)
from chalicelib.contracts.api.reservations import (
    ReservationPage as ReservationPage,
)
from chalicelib.contracts.api.reservations import (
    SaleLine as SaleLine,
)
from chalicelib.contracts.api.returns import (
    ClaimLineIn as ClaimLineIn,
)
from chalicelib.contracts.api.returns import (
    CreateClaim as CreateClaim,
)
from chalicelib.contracts.api.returns import (
    CreateExchange as CreateExchange,
)
from chalicelib.contracts.api.returns import (
    CreateReturn as CreateReturn,
)
from chalicelib.contracts.api.returns import (
    ExchangeEventIn as ExchangeEventIn,
)
from chalicelib.contracts.api.returns import (
    LineRefundOut as LineRefundOut,
)
from chalicelib.contracts.api.returns import (
    NewItemIn as NewItemIn,
)
from chalicelib.contracts.api.returns import (
    NewReturnLine as NewReturnLine,
)
from chalicelib.contracts.api.returns import (
    QuoteReturn as QuoteReturn,
)
from chalicelib.contracts.api.returns import (
    ReceivedLine as ReceivedLine,
)
from chalicelib.contracts.api.returns import (
    RefundParts as RefundParts,
)
from chalicelib.contracts.api.returns import (
    ReturnCreated as ReturnCreated,
)
from chalicelib.contracts.api.returns import (
    ReturnEventIn as ReturnEventIn,
)
from chalicelib.contracts.api.returns import (
    ReturnLineIn as ReturnLineIn,
)
from chalicelib.contracts.api.returns import (
    ReturnLineOut as ReturnLineOut,
)
from chalicelib.contracts.api.returns import (
    ReturnOut as ReturnOut,
)
from chalicelib.contracts.api.returns import (
    ReturnPage as ReturnPage,
)
from chalicelib.contracts.api.returns import (
    ReturnQuoteLine as ReturnQuoteLine,
)
from chalicelib.contracts.api.returns import (
    ReturnQuoteOut as ReturnQuoteOut,
)
from chalicelib.contracts.api.returns import (
    ReturnTo as ReturnTo,
)
from chalicelib.contracts.api.work import (
    DeadLetterOut as DeadLetterOut,
)
from chalicelib.contracts.api.work import (
    DeadLetterQueueOut as DeadLetterQueueOut,
)
from chalicelib.contracts.api.work import (
    DeadLettersOut as DeadLettersOut,
)
from chalicelib.contracts.api.work import (
    MessageId as MessageId,
)
from chalicelib.contracts.api.work import (
    RedriveDeadLetters as RedriveDeadLetters,
)
from chalicelib.contracts.api.work import (
    RedriveOut as RedriveOut,
)
from chalicelib.contracts.api.work import (
    TaskEventIn as TaskEventIn,
)
from chalicelib.contracts.api.work import (
    TaskLine as TaskLine,
)
from chalicelib.contracts.api.work import (
    TaskOut as TaskOut,
)
from chalicelib.contracts.api.work import (
    TaskPage as TaskPage,
)
